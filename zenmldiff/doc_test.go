package zenmldiff

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestDocsListEveryDeviationOnce: docs/zenml.md's table names each documented deviation once,
// and nothing the test does not recognise.
func TestDocsListEveryDeviationOnce(t *testing.T) {
	doc, err := os.ReadFile("../docs/zenml.md")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		listed = append(listed, m[1])
	}
	var want []string
	for _, d := range Deviations {
		want = append(want, d.ID)
	}
	want = append(want, EnvQuoting.ID)
	for _, d := range VerdictDeviations {
		want = append(want, d.ID)
	}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("docs/zenml.md lists %q;\nthe test recognises %q", listed, want)
	}
}
