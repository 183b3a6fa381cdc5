package settings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A realistic ZenML run configuration: many keys this package does not read.
const zenmlRunConfig = `
# yaml-language-server: $schema=../schema/stepimage.schema.json
run_name: training-{date}-{time}
enable_cache: true
enable_artifact_metadata: true
enable_artifact_visualization: false
enable_step_logs: true
enable_pipeline_logs: true
cache_policy: {include_step_code: true}
tags: [nightly, gpu]
retry: {max_retries: 2, delay: 10, backoff: 2}
failure_hook_source: hooks.on_failure
success_hook_source: hooks.on_success
substitutions: {team: ml}
schedule: {cron_expression: "0 3 * * *"}
build: null
extra: {owner: ml-team}
model:
  name: classifier
  version: production
  tags: [v2]
parameters: {epochs: 10}
settings:
  orchestrator.kubernetes:
    pod_settings: {node_selectors: {pool: gpu}}
  experiment_tracker.mlflow: {experiment_name: clf}
  step_operator: {}
  docker:
    requirements: [scikit-learn>=1.0, pandas>=2.0]
    required_integrations: [mlflow]
    apt_packages: [libgomp1]
    environment: {PYTHONUNBUFFERED: "1"}
    python_package_installer: uv
  resources: {cpu_count: 2, memory: 4GB}
steps:
  load_data:
    enable_cache: false
    parameters: {path: s3://bucket/data.csv}
  train:
    experiment_tracker: mlflow
    step_operator: sagemaker
    outputs:
      model: {materializer_source: zenml.materializers.Pickle}
    extra: {gpu: true}
    retry: {max_retries: 1}
    settings:
      step_operator.sagemaker: {instance_type: ml.p3.2xlarge}
      docker:
        parent_image: pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime
        requirements: [transformers>=4.0]
        python_package_installer_args: {system: null}
      resources: {gpu_count: 1, memory: 16GB}
  evaluate:
    parameters: {threshold: 0.9}
    model: {name: classifier}
`

func TestRealisticRunConfig(t *testing.T) {
	c := load(t, zenmlRunConfig)
	if len(c.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", c.Warnings)
	}
	if got, want := c.StepNames(), []string{"evaluate", "load_data", "train"}; !reflect.DeepEqual(got, want) {
		t.Errorf("StepNames = %v, want %v", got, want)
	}
	imgs, _, err := c.Images(Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || !reflect.DeepEqual(imgs[0].Steps, []string{"*", "evaluate", "load_data"}) || !reflect.DeepEqual(imgs[1].Steps, []string{"train"}) {
		t.Fatalf("unexpected grouping: %+v", imgs)
	}
	if imgs[1].Settings.Resources.GPUCount != 1 || imgs[1].Settings.ParentImage != "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime" {
		t.Errorf("train image: %+v", imgs[1].Settings)
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	doc := "enable_cach: true\nsettings:\n  docker: {apt_packages: [git]}\n  orchestrator.kubernetes: {a: 1}\nsteps:\n  train:\n    paramters: {}\n"
	c := load(t, doc)
	wantWarning(t, c.Warnings, "settings.yaml:1:", "enable_cach", "unknown key, ignored", `did you mean "enable_cache"?`)
	wantWarning(t, c.Warnings, "settings.yaml:7:", "steps.train.paramters", `did you mean "parameters"?`)
	if len(c.Warnings) != 2 {
		t.Errorf("stack component settings are not unknown: %v", c.Warnings)
	}
}

func TestBareDocument(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		bare bool
	}{
		{"docker fields", "requirements: [x]\napt_packages: [git]\n", true},
		{"docker field with shared key", "environment: {A: 1}\nuser: app\n", true},
		{"run config", "settings:\n  docker: {user: app}\n", false},
		{"run config with extra keys only", "enable_cache: true\n", false},
		{"shared key only", "environment: {A: 1}\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c := load(t, tc.doc); c.bare != tc.bare {
				t.Errorf("bare = %v, want %v", c.bare, tc.bare)
			}
		})
	}
	c := load(t, "environment: {A: 1}\n")
	wantWarning(t, c.Warnings, "settings.yaml:1:", "environment", "put it under settings.docker")

	// Errors in a bare document name the field without a prefix.
	_, _, err := load(t, "apt_packages: [Bad]\n").Resolve("", Vars{})
	wantErr(t, err, "settings.yaml:1:16: apt_packages[0]:")
	// A bare document applies to every step.
	r, w := resolve(t, "apt_packages: [git]\n", "train", Vars{})
	if len(w) != 0 || !reflect.DeepEqual(r.AptPackages, []string{"git"}) {
		t.Errorf("bare document for a step: %+v %v", r, w)
	}
}

func TestJSONInput(t *testing.T) {
	doc := `{"settings": {"docker": {"requirements": ["pandas"], "environment": {"A": 1, "B": true}}},
 "steps": {"train": {"settings": {"docker": {"apt_packages": ["git"]}}, "parameters": {"x": 1}}}}`
	r, _ := resolve(t, doc, "train", Vars{})
	if !reflect.DeepEqual(r.AptPackages, []string{"git"}) || !reflect.DeepEqual(r.Environment, []EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "True"}}) {
		t.Errorf("got %+v", r)
	}
	_, err := Load("settings.json", []byte(`{"settings": {"docker": {"requirments": []}}}`))
	wantErr(t, err, "settings.json:1:26:", "settings.docker.requirments", `did you mean "requirements"?`)
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(path, []byte("apt_packages: [git]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(path)
	if err != nil || c.File != path {
		t.Fatalf("LoadFile: %v %v", c, err)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("want an error for a missing file")
	}
}

func TestEmptyAndNullSections(t *testing.T) {
	c := load(t, "settings:\n  docker: {}\nsteps:\n  train:\n")
	if c.Pipeline.Docker == nil || len(c.Steps) != 1 {
		t.Errorf("got %+v", c)
	}
	r, _ := resolve(t, "settings:\nsteps:\n  train:\n", "train", Vars{})
	if !r.ParentImageIsDefault || !r.AllowIncludingFilesInImages {
		t.Errorf("defaults not applied: %+v", r)
	}
}

func TestTopLevelDockerLookalike(t *testing.T) {
	_, err := Load("settings.yaml", []byte("settings: {}\nrequirments: [x]\n"))
	wantErr(t, err, "settings.yaml:2:1:", "requirments", `DockerSettings field "requirements"`, "settings.docker")
	// A typo of a key that is both a run-config and a DockerSettings key is only a warning.
	c := load(t, "settings: {}\nenvironmnt: {A: 1}\n")
	wantWarning(t, c.Warnings, "environmnt", `did you mean "environment"?`)
}

// TestMarshalUnionTypes: the union types marshal back to the form they were written in.
func TestMarshalUnionTypes(t *testing.T) {
	c := load(t, "requirements: r.txt\nreplicate_local_python_environment: [uv, export]\n")
	b, err := json.Marshal(c.Pipeline.Docker)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"replicate_local_python_environment":["uv","export"],"requirements":"r.txt"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
