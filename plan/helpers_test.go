package plan

import (
	"slices"
	"strings"
	"testing"

	"dagger/stepimage/settings"
)

// strp returns a pointer to s, for InstallerArg values.
func strp(s string) *string { return &s }

// minimalResolved is the smallest plain build: the default parent image named explicitly (so no
// zenml layer: see TestZenMLLayer), pip with ZenML's default arguments, code not included,
// nothing to install.
func minimalResolved() *settings.Resolved {
	return &settings.Resolved{
		ParentImage: settings.DefaultParentImage,
		Installer:   "pip",
		InstallerArgs: []settings.InstallerArg{
			{Name: "default-timeout", Value: strp("60")},
			{Name: "no-cache-dir"},
		},
		InstallStackRequirements: true,
	}
}

// fullResolved sets every feature that adds a layer, with uv as the installer.
func fullResolved() *settings.Resolved {
	return &settings.Resolved{
		Steps:                      []string{"evaluate", "train"},
		ParentImage:                "python:3.12-slim",
		Installer:                  "uv",
		InstallerArgs:              []settings.InstallerArg{{Name: "no-cache-dir"}},
		LocalEnvironment:           "pip_freeze",
		InstallStackRequirements:   true,
		RequiredIntegrations:       []string{"sklearn", "xgboost"},
		PyprojectPath:              "pyproject.toml",
		Requirements:               []string{"torch==2.3.0", "numpy<2"},
		LocalProjectInstallCommand: []string{"pip", "install", "-e", ".[train]"},
		AptPackages:                []string{"git", "curl"},
		Environment: []settings.EnvVar{
			{Name: "PIP_INDEX_URL", Value: "https://pypi.example.com/simple"},
			{Name: "TOKEN", Secret: true, SecretName: "pypi-token"},
		},
		RuntimeEnvironment:              []settings.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}},
		AllowIncludingFilesInImages:     true,
		AllowDownloadFromCodeRepository: true,
		AllowDownloadFromArtifactStore:  true,
		User:                            "app",
		Resources:                       settings.ResolvedResources{CPUCount: 2, GPUCount: 1, Memory: "8GB"},
	}
}

// fullInputs are the inputs fullResolved needs.
func fullInputs() Inputs {
	return Inputs{
		StackRequirements:   []string{"s3fs", "boto3", "s3fs"},
		HasLocalEnvironment: true,
		AptIndexKey:         "2025-w01",
	}
}

// mustBuild builds a plan and fails the test on error. Tests of the install layers themselves
// get the sequential layout unless they ask for another (layered_test.go does).
func mustBuild(t *testing.T, r *settings.Resolved, in Inputs) *Plan {
	t.Helper()
	if in.Layout == "" {
		in.Layout = LayoutSequential
	}
	p, err := New(r, in)
	if err != nil {
		t.Fatalf("Build: unexpected error: %v", err)
	}
	if p == nil {
		t.Fatal("Build: nil plan without an error")
	}
	return p
}

// kinds lists the kinds of a plan's layers, in order.
func kinds(p *Plan) []Kind {
	out := make([]Kind, len(p.Layers))
	for i, l := range p.Layers {
		out[i] = l.Kind
	}
	return out
}

// mustFind returns the layer of kind, failing the test when the plan lacks it.
func mustFind(t *testing.T, p *Plan, kind Kind) *Layer {
	t.Helper()
	l := p.Find(kind)
	if l == nil {
		t.Fatalf("plan has no %s layer; layers: %v", kind, kinds(p))
	}
	return l
}

// wantNoLayer fails the test when the plan has a layer of kind.
func wantNoLayer(t *testing.T, p *Plan, kind Kind) {
	t.Helper()
	if l := p.Find(kind); l != nil {
		t.Errorf("plan has an unexpected %s layer (%q); layers: %v", kind, l.Summary, kinds(p))
	}
}

// wantArgv compares two argvs and prints both in full on a mismatch.
func wantArgv(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// lines splits a rendered Dockerfile into its lines (without the final empty one).
func lines(dockerfile string) []string {
	return strings.Split(strings.TrimSuffix(dockerfile, "\n"), "\n")
}

// indexOfLine returns the index of the first line with the prefix, or -1.
func indexOfLine(ls []string, prefix string) int {
	for i, l := range ls {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

// lastIndexOfLine returns the index of the last line with the prefix, or -1.
func lastIndexOfLine(ls []string, prefix string) int {
	for i := len(ls) - 1; i >= 0; i-- {
		if strings.HasPrefix(ls[i], prefix) {
			return i
		}
	}
	return -1
}

// lastExec is the layer's last exec: the install of an install layer.
func lastExec(t *testing.T, l *Layer) Exec {
	t.Helper()
	if len(l.Execs) == 0 {
		t.Fatalf("layer %s runs no exec", l.Kind)
	}
	return l.Execs[len(l.Execs)-1]
}

// layerFor plans minimalResolved changed by modify and returns its layer of the given kind.
func layerFor(t *testing.T, kind Kind, modify func(r *settings.Resolved)) *Layer {
	t.Helper()
	r := minimalResolved()
	modify(r)
	return mustFind(t, mustBuild(t, r, Inputs{}), kind)
}
