package settings

import (
	"slices"
	"strings"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	vars, err := ParseDotenv(".env", "# comment\n\nA=1\nexport B = two words # note\nC='$HOME #x'\nD=\"line\\nnext \\\"q\\\"\"\r\nE=\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "two words"}, {Name: "C", Value: "$HOME #x"}, {Name: "D", Value: "line\nnext \"q\""}, {Name: "E", Value: ""}}
	if !slices.Equal(vars, want) {
		t.Errorf("ParseDotenv = %+v, want %+v", vars, want)
	}
}

func TestParseDotenvErrorsNameFileAndLine(t *testing.T) {
	for contents, fragment := range map[string]string{
		"A=1\nno equals sign\n": ".env:2: no = in this line",
		"1A=x\n":                ".env:1: invalid variable name \"1A\"",
		"A='open\n":             ".env:1: unterminated quote",
	} {
		_, err := ParseDotenv(".env", contents)
		if err == nil || !strings.Contains(err.Error(), fragment) || !strings.Contains(err.Error(), "fix:") {
			t.Errorf("ParseDotenv(%q) = %v, want an error containing %q and a fix", contents, err, fragment)
		}
	}
}
