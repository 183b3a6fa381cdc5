package settings

import (
	"reflect"
	"slices"
	"testing"
)

// The tests in this file pin behaviours to what ZenML 0.98 does with the same configuration
// (hack/zenml/difftest.sh checks the same against ZenML's own code).

func envNames(vars []EnvVar) []string {
	var names []string
	for _, v := range vars {
		names = append(names, v.Name+"="+v.Value)
	}
	return names
}

func argStrings(args []InstallerArg) []string {
	var out []string
	for _, a := range args {
		if a.Value == nil {
			out = append(out, "--"+a.Name)
		} else {
			out = append(out, "--"+a.Name+"="+*a.Value)
		}
	}
	return out
}

// TestEnvironmentOrder: ZenML writes ENV lines in dict order: the pipeline's keys as written, a
// key the step overrides in its place, the step's new keys after them.
func TestEnvironmentOrder(t *testing.T) {
	doc := `
settings:
  docker:
    requirements: [numpy]
    environment: {B: "1", A: "2", C: "3"}
    runtime_environment: {Z: "1", Y: "2"}
steps:
  train:
    settings:
      docker:
        environment: {D: "4", A: "9", B: null}
        runtime_environment: {X: "0", Y: null}
`
	r, _ := resolve(t, doc, "train", Vars{})
	if got, want := envNames(r.Environment), []string{"B=1", "A=9", "C=3", "D=4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("environment %v, want %v", got, want)
	}
	if got, want := envNames(r.RuntimeEnvironment), []string{"Z=1", "Y=2", "X=0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runtime_environment %v, want %v", got, want)
	}
	r, _ = resolve(t, doc, "", Vars{})
	if got, want := envNames(r.Environment), []string{"B=1", "A=2", "C=3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pipeline environment %v, want %v", got, want)
	}

	// Merge keys come first, as PyYAML builds the dict: the merged keys in merge order (an
	// earlier mapping wins), then the explicit keys; an explicit key overriding a merged one
	// keeps the merged place.
	doc = `
x-a: &a {P: a, Q: a}
x-b: &b {R: b, P: b}
settings:
  docker:
    apt_packages: [git]
    environment:
      Z: z
      <<: [*a, *b]
      Q: explicit
      Y: y
`
	r, _ = resolve(t, doc, "", Vars{})
	if got, want := envNames(r.Environment), []string{"P=a", "Q=explicit", "R=b", "Z=z", "Y=y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("environment with merge keys %v, want %v", got, want)
	}
}

// TestInstallerArgsOrder: ZenML renders {**defaults, **args}: its defaults first, an overridden
// default in its place, then the pipeline's options as written, then the step's new ones.
func TestInstallerArgsOrder(t *testing.T) {
	doc := `
settings:
  docker:
    requirements: [numpy]
    python_package_installer_args: {zeta: "1", alpha: null}
steps:
  train:
    settings:
      docker:
        python_package_installer_args: {system: null, no-cache-dir: x, beta: 2}
`
	r, _ := resolve(t, doc, "train", Vars{})
	// ZenML 0.98 writes: uv pip install --no-cache-dir=x --zeta=1 --alpha --beta=2 -r ...
	if got, want := argStrings(r.InstallerArgs), []string{"--no-cache-dir=x", "--zeta=1", "--alpha", "--beta=2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("args %v, want %v", got, want)
	}
	r, _ = resolve(t, "python_package_installer: pip\napt_packages: [git]\npython_package_installer_args: {b: 1, default-timeout: 5, a: 2}\n", "", Vars{})
	if got, want := argStrings(r.InstallerArgs), []string{"--no-cache-dir", "--default-timeout=5", "--b=1", "--a=2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pip args %v, want %v", got, want)
	}
}

// TestStepLevelNullDropped: ZenML merges a step over the pipeline with
// recursive_update(ignore_none=True): a null at step level is dropped at every depth, so a step's
// `system: null` passes no --system, and a step's null never clears a pipeline value. At pipeline
// level a null installer option stays a flag.
func TestStepLevelNullDropped(t *testing.T) {
	// As the GPU example's train step once had it: system: null on the step only.
	r, w := resolve(t, `
settings:
  docker:
    requirements: [numpy]
steps:
  train:
    settings:
      docker:
        parent_image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
        python_package_installer_args:
          system: null
`, "train", Vars{})
	if slices.ContainsFunc(r.InstallerArgs, func(a InstallerArg) bool { return a.Name == "system" }) {
		t.Errorf("a step-level system: null must be dropped, got %v", argStrings(r.InstallerArgs))
	}
	wantWarning(t, w, "steps.train.settings.docker.python_package_installer_args.system", "dropped", "stepimage passes --system to uv by itself")

	doc := `
settings:
  docker:
    requirements: [numpy]
    python_package_installer_args: {pre: null, index-url: "https://pipe"}
    build_config:
      build_options: {buildargs: {A: "1", N: null}, target: base}
steps:
  train:
    settings:
      docker:
        python_package_installer_args: {pre: null, index-url: null, extra: null}
        build_config:
          build_options: {buildargs: {A: null, B: null, C: "3"}, target: null, pull: {x: null}}
`
	r, w = resolve(t, doc, "train", Vars{})
	if got, want := argStrings(r.InstallerArgs), []string{"--no-cache-dir", "--pre", "--index-url=https://pipe"}; !reflect.DeepEqual(got, want) {
		t.Errorf("args %v, want %v", got, want)
	}
	wantWarning(t, w, "steps.train.settings.docker.python_package_installer_args.extra", "this step gets no --extra")
	wantWarning(t, w, "steps.train.settings.docker.python_package_installer_args.index-url", "the pipeline's value stays")
	want := map[string]any{"buildargs": map[string]any{"A": "1", "N": nil, "C": "3"}, "target": "base", "pull": map[string]any{}}
	if !reflect.DeepEqual(r.BuildOptions, want) {
		t.Errorf("build options %#v, want %#v", r.BuildOptions, want)
	}
}

// TestImagesGroupByDockerSettingsOnly: ZenML gives a step an image of its own only when its
// Docker settings differ from the pipeline's; resources never do.
func TestImagesGroupByDockerSettingsOnly(t *testing.T) {
	doc := `
settings:
  docker: {requirements: [pandas]}
  resources: {cpu_count: 2, memory: 4GB}
steps:
  load: {}
  train:
    settings:
      resources: {gpu_count: 2, memory: 16GiB}
  evaluate:
    settings:
      resources: {gpu_count: 1, cpu_count: 8}
  export:
    settings:
      docker: {requirements: [onnx]}
      resources: {gpu_count: 1}
`
	imgs, _, err := load(t, doc).Images(Vars{})
	if err != nil {
		t.Fatal(err)
	}
	var steps [][]string
	for _, im := range imgs {
		steps = append(steps, im.Steps)
	}
	if want := [][]string{{"*", "evaluate", "load", "train"}, {"export"}}; !reflect.DeepEqual(steps, want) {
		t.Fatalf("groups %v, want %v", steps, want)
	}
	want := map[string]ResolvedResources{
		"*":        {CPUCount: 2, Memory: "4GB"},
		"load":     {CPUCount: 2, Memory: "4GB"},
		"train":    {CPUCount: 2, GPUCount: 2, Memory: "16GiB"},
		"evaluate": {CPUCount: 8, GPUCount: 1, Memory: "4GB"},
	}
	if !reflect.DeepEqual(imgs[0].Resources, want) {
		t.Errorf("per-step resources %+v, want %+v", imgs[0].Resources, want)
	}
	if got, want := imgs[0].Settings.Resources, (ResolvedResources{CPUCount: 8, GPUCount: 2, Memory: "16GiB"}); got != want {
		t.Errorf("image resources %+v, want the largest request %+v", got, want)
	}
	if got := imgs[1].Resources["export"].GPUCount; got != 1 || imgs[1].Settings.Resources.GPUCount != 1 {
		t.Errorf("export: %+v", imgs[1])
	}
	// Resolving one step still gives its own resources.
	r, _ := resolve(t, doc, "train", Vars{})
	if r.Resources.GPUCount != 2 || imageKey(r) != imgs[0].Key {
		t.Errorf("train alone: resources %+v, key %s (image %s)", r.Resources, imageKey(r), imgs[0].Key)
	}
}

// TestResourceCoercion: ZenML's pydantic (lax mode) coerces numbers written as strings, integral
// floats and booleans; stepimage accepts the same values.
func TestResourceCoercion(t *testing.T) {
	cases := []struct {
		yaml string
		gpu  int
		cpu  float64
	}{
		{`{gpu_count: "1", cpu_count: "8"}`, 1, 8},
		{`{gpu_count: " 2 ", cpu_count: "8.0"}`, 2, 8},
		{`{gpu_count: "+1", cpu_count: "0.5"}`, 1, 0.5},
		{`{gpu_count: "1.0", cpu_count: "1e1"}`, 1, 10},
		{`{gpu_count: "1_000", cpu_count: "1_000.5"}`, 1000, 1000.5},
		{`{gpu_count: 1.0, cpu_count: ".5"}`, 1, 0.5},
		{`{gpu_count: true, cpu_count: true}`, 1, 1},
		{`{gpu_count: "0", cpu_count: 4}`, 0, 4},
	}
	for _, tc := range cases {
		t.Run(tc.yaml, func(t *testing.T) {
			r, _ := resolve(t, "settings:\n  docker: {apt_packages: [git]}\n  resources: "+tc.yaml+"\n", "", Vars{})
			if r.Resources.GPUCount != tc.gpu || r.Resources.CPUCount != tc.cpu {
				t.Errorf("got %+v, want gpu %d cpu %v", r.Resources, tc.gpu, tc.cpu)
			}
		})
	}
	// What pydantic refuses, stepimage refuses.
	for _, bad := range []string{`{gpu_count: "1.5"}`, `{gpu_count: "1e0"}`, `{gpu_count: "0x1"}`, `{gpu_count: "1__0"}`, `{gpu_count: 1.5}`, `{cpu_count: "8,5"}`, `{cpu_count: "0x10"}`, `{cpu_count: ""}`} {
		if _, err := Load("settings.yaml", []byte("settings:\n  resources: "+bad+"\n")); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
	_, _, err := load(t, "settings:\n  docker: {apt_packages: [git]}\n  resources: {gpu_count: \"-1\"}\n").Resolve("", Vars{})
	wantErr(t, err, "settings.resources.gpu_count", "must be 0 or more")
	_, _, err = load(t, "settings:\n  docker: {apt_packages: [git]}\n  resources: {cpu_count: \"0\"}\n").Resolve("", Vars{})
	wantErr(t, err, "settings.resources.cpu_count", "greater than 0")
}

// TestResourceFieldsIgnored: ResourceSettings fields that do not concern images are accepted.
func TestResourceFieldsIgnored(t *testing.T) {
	c := load(t, "settings:\n  docker: {apt_packages: [git]}\n  resources:\n    gpu_count: 1\n    gpu_class: a100\n    reclaim_tolerance: any\n    preemptible: true\n    resources: {gpu: 1}\n")
	wantWarning(t, c.Warnings, "settings.resources.gpu_class", "ignored for images")
	wantWarning(t, c.Warnings, "settings.resources.preemptible", "ignored for images")
}

// TestSettingsKeys: ZenML accepts the settings keys docker, resources, deployment and
// <component type>[.<flavor> | :<name>] whose value is a mapping, and refuses the rest.
func TestSettingsKeys(t *testing.T) {
	valid := []string{"orchestrator.kubernetes", "orchestrator:my_k8s", "step_operator", "experiment_tracker.mlflow",
		"sandbox.modal", "log_store.x.y", "deployment"}
	for _, key := range valid {
		doc := "settings:\n  docker: {apt_packages: [git]}\n  " + key + ": {a: 1}\nsteps:\n  s:\n    settings:\n      orchestrator.kubernetes: {}\n"
		if _, err := Load("settings.yaml", []byte(doc)); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown key", "settings:\n  custom_thing: {a: 1}\n", []string{"settings.yaml:2:3:", "settings.custom_thing", "invalid settings key", "fix: use docker, resources"}},
		{"unknown key at step", "steps:\n  s:\n    settings:\n      foo: {}\n", []string{"settings.yaml:4:7:", "steps.s.settings.foo", "invalid settings key"}},
		{"case matters", "settings:\n  Docker: {apt_packages: [git]}\n", []string{"settings.Docker", "invalid settings key", `did you mean "docker"?`}},
		{"component without flavor", "settings:\n  orchestrator.: {}\n", []string{"settings.orchestrator.", "invalid settings key"}},
		{"component not a mapping", "settings:\n  orchestrator.kubernetes: 3\n", []string{"settings.yaml:2:28:", "settings.orchestrator.kubernetes", "expected a mapping of settings, got integer 3"}},
		{"docker null", "settings:\n  docker:\n", []string{"settings.docker", "expected a mapping of settings, got null"}},
		{"resources not a mapping", "settings:\n  resources: [1]\n", []string{"settings.resources", "got a list"}},
		{"step settings null", "steps:\n  s:\n    settings:\n", []string{"settings.yaml:3:5:", "steps.s.settings", "got null"}},
		{"deployment at step", "steps:\n  s:\n    settings:\n      deployment: {a: 1}\n", []string{"steps.s.settings.deployment", "pipeline level"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("settings.yaml", []byte(tc.doc))
			wantErr(t, err, tc.want...)
		})
	}
	// A pipeline's null settings block is accepted, as in ZenML.
	load(t, "settings:\nsteps:\n  s:\n    settings:\n      docker: {apt_packages: [git]}\n")
}

// TestZenMLOnlyDockerFields: DockerSettings fields of ZenML 0.98 that change nothing here are
// accepted, typed as ZenML types them.
func TestZenMLOnlyDockerFields(t *testing.T) {
	base, _ := resolve(t, "apt_packages: [git]\n", "", Vars{})
	r, w := resolve(t, "apt_packages: [git]\npython_package_installer_cache_mount: type=cache,target=/root/.cache/uv\ninstall_deployment_requirements: false\n", "", Vars{})
	if !reflect.DeepEqual(r, base) || len(w) != 0 {
		t.Errorf("the fields must change nothing: %+v %v", r, w)
	}
	_, err := Load("settings.yaml", []byte("apt_packages: [git]\ninstall_deployment_requirements: 'no'\n"))
	wantErr(t, err, "install_deployment_requirements", "expected a boolean")
	_, err = Load("settings.yaml", []byte("apt_packages: [git]\npython_package_installer_cache_mount: [a]\n"))
	wantErr(t, err, "python_package_installer_cache_mount", "expected a string")
}

// TestNothingToBuild mirrors build_docker_image's requires_zenml_build: ZenML refuses the default
// parent image with nothing to install or copy, and builds otherwise.
func TestNothingToBuild(t *testing.T) {
	refused := []string{
		"install_stack_requirements: false\n",
		"install_stack_requirements: false\nuser: app\nruntime_environment: {A: 1}\n",
		"install_stack_requirements: false\nallow_including_files_in_images: false\n",
		"install_stack_requirements: false\nrequirements: []\napt_packages: []\n",
	}
	for _, doc := range refused {
		_, _, err := load(t, "settings:\n  docker:\n    "+indent(doc)).Resolve("", Vars{})
		wantErr(t, err, "settings.yaml:2:3:", "nothing to build", "Unable to run a ZenML pipeline")
	}
	accepted := []string{
		"allow_including_files_in_images: false\n",                                          // install_stack_requirements defaults to true
		"install_stack_requirements: false\nallow_download_from_artifact_store: false\n",    // the code is copied
		"install_stack_requirements: false\nlocal_project_install_command: pip install .\n", // likewise
		"install_stack_requirements: false\nenvironment: {A: 1}\n",
		"install_stack_requirements: false\nparent_image: python:3.12\n",
		"install_stack_requirements: false\ndockerfile: Dockerfile\n",
		"install_stack_requirements: false\nreplicate_local_python_environment: uv_freeze\n",
	}
	for _, doc := range accepted {
		if _, _, err := load(t, "settings:\n  docker:\n    "+indent(doc)).Resolve("", Vars{}); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
}

func indent(doc string) string {
	out := ""
	for i, line := range splitLines(doc) {
		if i > 0 {
			out += "    "
		}
		out += line + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		lines = append(lines, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return lines
}

// TestGitHubActionsExpressionIsLiteral: ZenML substitutes only ${NAME}; a ${{ env.X }} (GitHub
// Actions syntax, seen in a real configuration) stays as written.
func TestGitHubActionsExpressionIsLiteral(t *testing.T) {
	r, w := resolve(t, "apt_packages: [git]\nenvironment:\n  OPENAI_API_KEY: ${{ env.OPENAI_API_KEY }}\n  B: 'a${{X}}b ${Y}'\n", "", Vars{Values: map[string]string{"Y": "y"}})
	if got, want := envNames(r.Environment), []string{"OPENAI_API_KEY=${{ env.OPENAI_API_KEY }}", "B=a${{X}}b y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
}

// TestSyntaxErrorLines: a YAML syntax error names the line where the parser failed, the problem
// line PyYAML (which ZenML uses) reports, not the line where the enclosing block starts.
func TestSyntaxErrorLines(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		line int
	}{
		{"key indented one less", "settings:\n  docker:\n    requirements:\n      - numpy\n     apt_packages: [git]\n", 5},
		{"mapping inside a list", "settings:\n  docker:\n    requirements:\n      - numpy\n      pandas: 1\n", 5},
		{"list item under a mapping", "settings:\n  docker:\n    requirements: [a]\n  - x\n", 4},
		{"list item indented one less", "settings:\n  docker:\n    apt_packages:\n    - git\n   - curl\n", 5},
		{"after a comment", "settings:\n  docker:\n    requirements:\n      - numpy\n    # comment\n     apt: [git]\n", 6},
		{"after a block scalar", "a: |\n  x\n b: 1\n", 3},
		{"resources key misindented", "settings:\n  docker:\n    user: app\n  resources:\n    gpu_count: 1\n   memory: 8GB\n", 6},
		{"undefined alias", "a: 1\nb:\n  c: *nope\n", 3},
		{"tab indentation", "settings:\n  docker:\n\trequirements: [numpy]\n", 3},
		{"colon in a plain value", "settings:\n  docker:\n    parent_image: foo: bar\n", 3},
		{"colon after a key", "a: b\nc: : d\n", 2},
		// The line of the unclosed bracket (PyYAML names the next line, where it gave up).
		{"unclosed flow list", "settings:\n  docker:\n    requirements: [numpy, pandas\n    apt_packages: [git]\nsteps: {}\n", 3},
		{"unclosed flow mapping", "settings:\n  docker: {requirements: [a]\nsteps:\n  s: {}\n", 2},
		// The key without its colon (PyYAML names the next line).
		{"key without colon", "a: b\nc\nd: e\n", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("settings.yaml", []byte(tc.doc))
			es, ok := err.(Errors)
			if !ok || len(es) != 1 {
				t.Fatalf("want one error, got %v", err)
			}
			if es[0].Line != tc.line {
				t.Errorf("line %d, want %d: %v", es[0].Line, tc.line, es[0])
			}
		})
	}
}
