package settings

import (
	"reflect"
	"testing"
)

const mergeDoc = `
settings:
  docker:
    parent_image: python:3.12-slim
    requirements: [pandas, numpy]
    apt_packages: [git]
    required_integrations: [mlflow]
    environment: {A: pipe, B: pipe}
    runtime_environment: {R1: pipe}
    python_package_installer_args: {system: null, index-url: https://pipe/simple}
    build_config:
      build_options: {buildargs: {X: "1", Y: "1"}, target: base}
      dockerignore: .dockerignore.pipe
    user: app
  resources: {cpu_count: 4, memory: 8GB}
steps:
  train:
    settings:
      docker:
        requirements: [torch]
        apt_packages: []
        environment: {B: step, C: step, A: null}
        runtime_environment: {R2: step}
        python_package_installer_args: {system: "", pre: null}
        build_config:
          build_options: {buildargs: {Y: "2"}}
        user: null
      resources: {gpu_count: 1}
`

// TestMerge checks each merge rule: unset/null ignored, maps key by key (recursively), lists replaced.
func TestMerge(t *testing.T) {
	r, _ := resolve(t, mergeDoc, "train", Vars{})
	empty := ""
	checks := []struct {
		name      string
		got, want any
	}{
		{"scalar inherited", r.ParentImage, "python:3.12-slim"},
		{"list replaced", r.Requirements, []string{"torch"}},
		{"empty list replaces", r.AptPackages, []string(nil)},
		{"list inherited", r.RequiredIntegrations, []string{"mlflow"}},
		{"map merged, null ignored", r.Environment, []EnvVar{{Name: "A", Value: "pipe"}, {Name: "B", Value: "step"}, {Name: "C", Value: "step"}}},
		{"runtime map merged", r.RuntimeEnvironment, []EnvVar{{Name: "R1", Value: "pipe"}, {Name: "R2", Value: "step"}}},
		{"installer args merged, step's null dropped, in order", r.InstallerArgs, []InstallerArg{{Name: "no-cache-dir"}, {Name: "system", Value: &empty}, {Name: "index-url", Value: sp("https://pipe/simple")}}},
		{"build options merged recursively", r.BuildOptions, map[string]any{"buildargs": map[string]any{"X": "1", "Y": "2"}, "target": "base"}},
		{"nested field inherited", r.Dockerignore, ".dockerignore.pipe"},
		{"null scalar ignored", r.User, "app"},
		{"resources merged", r.Resources, ResolvedResources{CPUCount: 4, GPUCount: 1, Memory: "8GB"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

// TestMergeDoesNotMutate: resolving a step leaves the Config (and later resolutions) unchanged.
func TestMergeDoesNotMutate(t *testing.T) {
	c := load(t, mergeDoc)
	before, _, err := c.Resolve("", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Resolve("train", Vars{}); err != nil {
		t.Fatal(err)
	}
	after, _, _ := c.Resolve("", Vars{})
	if !reflect.DeepEqual(before, after) {
		t.Errorf("pipeline level changed after resolving a step:\n%#v\n%#v", before, after)
	}
	if got := c.Pipeline.Docker.BuildConfig.BuildOptions["buildargs"].(map[string]any)["Y"]; got != "1" {
		t.Errorf("config mutated: buildargs.Y = %v", got)
	}
}

// TestPipelineLevel checks Resolve("") ignores steps and sets no Steps.
func TestPipelineLevel(t *testing.T) {
	r, _ := resolve(t, mergeDoc, "", Vars{})
	if r.Steps != nil || !reflect.DeepEqual(r.Requirements, []string{"pandas", "numpy"}) || r.Resources.GPUCount != 0 {
		t.Errorf("unexpected pipeline-level result: %+v", r)
	}
	r, _ = resolve(t, mergeDoc, "train", Vars{})
	if !reflect.DeepEqual(r.Steps, []string{"train"}) {
		t.Errorf("Steps = %v", r.Steps)
	}
}

// TestStepChangesInstaller: defaults follow the merged installer.
func TestStepChangesInstaller(t *testing.T) {
	doc := "settings:\n  docker: {apt_packages: [git]}\nsteps:\n  s:\n    settings:\n      docker: {python_package_installer: pip}\n"
	r, _ := resolve(t, doc, "s", Vars{})
	want := []InstallerArg{{Name: "no-cache-dir"}, {Name: "default-timeout", Value: sp("60")}}
	if r.Installer != "pip" || !reflect.DeepEqual(r.InstallerArgs, want) {
		t.Errorf("got %s %#v", r.Installer, r.InstallerArgs)
	}
}
