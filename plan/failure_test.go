package plan

import (
	"strings"
	"testing"
)

// TestLayerOfFindsTheLayerThatRanACommand takes every exec from the plan itself: the argv the
// engine reports for a failed exec is one the plan wrote.
func TestLayerOfFindsTheLayerThatRanACommand(t *testing.T) {
	r := minimalResolved()
	r.Installer = "uv"
	r.LocalEnvironment = "pip_freeze"
	r.AllowIncludingFilesInImages = true
	r.AptPackages = []string{"git"}
	r.Requirements = []string{"six"}
	r.RequiredIntegrations = []string{"sklearn"}
	r.PyprojectPath = "pyproject.toml"
	r.LocalProjectInstallCommand = []string{"pip", "install", "-e", "."}
	r.User = "trainer"
	p := mustBuild(t, r, Inputs{HasLocalEnvironment: true})
	execs := 0
	for _, layer := range p.Layers {
		for _, exec := range layer.Execs {
			execs++
			if got := p.LayerOf(exec.Argv); got != layer.Kind {
				t.Errorf("LayerOf(%q) = %q, want %q", exec.Argv, got, layer.Kind)
			}
		}
	}
	if execs < 10 {
		t.Errorf("the plan has %d execs; want every kind that runs one (at least 10)", execs)
	}
	if got := p.LayerOf([]string{"python", "-c", "print(1)"}); got != KindUnknown {
		t.Errorf("someone else's command: LayerOf = %q, want %q", got, KindUnknown)
	}
}

func TestFailureHint(t *testing.T) {
	tests := []struct {
		name     string
		kind     Kind
		exitCode int
		stderr   string
		want     string // a fragment of the hint; "" for no hint
	}{
		{"no python in the parent", KindInstaller, 127, "sh: 1: python: not found", "no Python"},
		{"uv without a venv", KindRequirements, 2, "error: No virtual environment found; run `uv venv`", "python_package_installer_args: {system: null}"},
		{"unknown apt package", KindApt, 100, "E: Unable to locate package libfoo", "check apt_packages"},
		{"no apt-get", KindApt, 127, "sh: apt-get: not found", "not Debian/Ubuntu"},
		{"unsatisfiable requirement (uv)", KindRequirements, 1, "× No solution found when resolving dependencies", "cannot be satisfied"},
		{"unsatisfiable requirement (pip)", KindRequirements, 1, "ERROR: No matching distribution found for foo==9", "cannot be satisfied"},
		{"credentials refused", KindRequirements, 1, "HTTP status code: 401 Unauthorized", "with-secret"},
		{"403 from an index", KindRequirements, 1, "error: Failed to fetch: `https://idx/simple/x/` (status 403)", "with-secret"},
		{"401 inside a hash is not a refusal", KindRequirements, 1, "hash mismatch for x-1.0.tar.gz: sha256:aa4019b", ""},
		{"local install", KindLocalInstall, 1, "error: invalid command 'bdist_wheel'", "local_project_install_command"},
		{"nothing known", KindRequirements, 1, "Segmentation fault", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FailureHint(tc.kind, tc.exitCode, tc.stderr)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("FailureHint = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
