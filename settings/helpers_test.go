package settings

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// load parses a test document named settings.yaml and fails the test on error.
func load(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := Load("settings.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// resolve loads doc and resolves step, failing the test on error.
func resolve(t *testing.T, doc, step string, vars Vars) (*Resolved, []Warning) {
	t.Helper()
	r, w, err := load(t, doc).Resolve(step, vars)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", step, err)
	}
	return r, w
}

// wantErr asserts that err is an Errors and that one of its errors has every fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", fragments)
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want settings.Errors, got %T: %v", err, err)
	}
	for _, e := range es {
		if containsAll(e.Error(), fragments) {
			return
		}
	}
	t.Fatalf("no error contains all of %q; got:\n%v", fragments, err)
}

func containsAll(s string, fragments []string) bool {
	return !slices.ContainsFunc(fragments, func(f string) bool { return !strings.Contains(s, f) })
}

// wantWarning asserts that one warning has every fragment.
func wantWarning(t *testing.T, ws []Warning, fragments ...string) {
	t.Helper()
	for _, w := range ws {
		if containsAll(w.String(), fragments) {
			return
		}
	}
	t.Fatalf("no warning contains all of %q; got: %v", fragments, ws)
}

func sp(s string) *string { return &s }
