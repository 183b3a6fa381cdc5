package text

import (
	"slices"
	"testing"
)

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{"": "", "one": "one", "one\ntwo": "one", "\ntwo": ""} {
		if got := FirstLine(in); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLastLines(t *testing.T) {
	if got, want := LastLines("a\nb\nc\n\n", 2), []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("LastLines = %q, want %q", got, want)
	}
	if got, want := LastLines("a\nb", 5), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("LastLines = %q, want %q", got, want)
	}
}

func TestIndent(t *testing.T) {
	if got, want := Indent("a\nb\n", "  "), "  a\n  b\n"; got != want {
		t.Errorf("Indent = %q, want %q", got, want)
	}
}
