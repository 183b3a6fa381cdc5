package settings

import (
	"strings"
	"testing"
)

// TestLoadErrors checks that every load-time problem names file, line, column, field path and
// the suggestion or fix.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"empty file", "", []string{"settings.yaml:1:", "the file is empty", "fix:"}},
		{"comments only", "# nothing\n", []string{"settings.yaml:1:", "the file is empty"}},
		{"null document", "null\n", []string{"the file is empty"}},
		{"not a mapping", "- a\n- b\n", []string{"settings.yaml:1:1:", "expected a mapping at the top", "got a list"}},
		{"syntax error", "settings:\n  docker: [\n", []string{"settings.yaml:", "invalid YAML"}},
		{"syntax error line", "a: b\nc: : d\n", []string{"settings.yaml:2:", "invalid YAML"}},
		{"two documents", "apt_packages: [git]\n---\nuser: x\n", []string{"more than one YAML document"}},
		{"typo in docker field", "settings:\n  docker:\n    requirments: [x]\n",
			[]string{"settings.yaml:3:5:", "settings.docker.requirments", `unknown field; did you mean "requirements"?`}},
		{"typo in step docker field", "steps:\n  train:\n    settings:\n      docker:\n        apt_package: [git]\n",
			[]string{"settings.yaml:5:9:", "steps.train.settings.docker.apt_package", `did you mean "apt_packages"?`}},
		{"typo in build_config", "settings:\n  docker:\n    build_config: {dockerignor: x}\n",
			[]string{"settings.yaml:3:20:", "settings.docker.build_config.dockerignor", `did you mean "dockerignore"?`}},
		{"typo in resources", "settings:\n  resources: {gpu_cout: 1}\n",
			[]string{"settings.yaml:2:15:", "settings.resources.gpu_cout", `did you mean "gpu_count"?`}},
		{"unknown field far from any", "apt_packages: [git]\nzzzzzzzzzz: 1\n", []string{"settings.yaml:2:1:", "zzzzzzzzzz", "unknown field (valid fields:"}},
		{"typo settings", "setings:\n  docker: {}\n", []string{"settings.yaml:1:1:", "setings", `did you mean "settings"?`}},
		{"typo steps", "stpes:\n  train: {}\n", []string{"settings.yaml:1:1:", `did you mean "steps"?`}},
		{"typo docker", "settings:\n  dokcer: {apt_packages: [git]}\n", []string{"settings.yaml:2:3:", "settings.dokcer", `did you mean "docker"?`}},
		{"typo resources", "settings:\n  resorces: {gpu_count: 1}\n", []string{"settings.resorces", `did you mean "resources"?`}},
		{"typo step settings", "steps:\n  train:\n    setings: {}\n", []string{"settings.yaml:3:5:", "steps.train.setings", `did you mean "settings"?`}},
		{"docker field at run-config top level", "settings: {}\nrequirements: [x]\n", []string{"settings.yaml:2:1:", "requirements", "move it under settings.docker"}},
		{"apt_packages string", "settings:\n  docker:\n    apt_packages: git\n",
			[]string{"settings.yaml:3:19:", "settings.docker.apt_packages", "expected a list of strings, got string \"git\"", "write a list: [git]"}},
		{"skip_build string", "settings:\n  docker:\n    skip_build: \"yes\"\n",
			[]string{"settings.yaml:3:17:", "settings.docker.skip_build", "expected a boolean (true or false)", `string "yes"`}},
		{"skip_build yes", "parent_image: x\nskip_build: yes\n", []string{"skip_build", "expected a boolean"}},
		{"parent_image number", "parent_image: 3.11\n", []string{"settings.yaml:1:15:", "parent_image", "expected a string, got number 3.11", `quote the value: "3.11"`}},
		{"gpu_count float", "settings:\n  resources: {gpu_count: 1.5}\n", []string{"settings.resources.gpu_count", "expected an integer"}},
		{"cpu_count string", "settings:\n  resources: {cpu_count: two}\n", []string{"settings.resources.cpu_count", "expected a finite number", `string "two"`}},
		{"cpu_count infinite", "settings:\n  resources: {cpu_count: .inf}\n", []string{"settings.resources.cpu_count", "expected a finite number"}},
		{"gpu_count fractional string", "settings:\n  resources: {gpu_count: \"1.5\"}\n", []string{"settings.resources.gpu_count", "expected an integer", `string "1.5"`}},
		{"gpu_count word", "settings:\n  resources: {gpu_count: \"true\"}\n", []string{"settings.resources.gpu_count", "expected an integer"}},
		{"installer enum", "python_package_installer: pipx\n", []string{"settings.yaml:1:27:", "python_package_installer", `invalid value "pipx"; expected one of: uv, pip; did you mean "pip"?`}},
		{"source_files enum", "source_files: downlaod\n", []string{"source_files", `did you mean "download"?`}},
		{"replicate bad string", "replicate_local_python_environment: pip\n", []string{"replicate_local_python_environment", "expected one of: pip_freeze, uv_freeze, poetry_export"}},
		{"replicate mapping", "replicate_local_python_environment: {a: 1}\n", []string{"replicate_local_python_environment", "expected true, false"}},
		{"requirements mapping", "requirements: {pandas: 2}\n", []string{"settings.yaml:1:15:", "requirements", "expected a list of requirement specifiers or the path"}},
		{"requirements item not string", "requirements: [pandas, 2]\n", []string{"settings.yaml:1:24:", "requirements[1]", "expected a string, got integer 2"}},
		{"environment nested value", "apt_packages: [git]\nenvironment:\n  A: {b: 1}\n", []string{"settings.yaml:3:6:", "environment.A", "expected a string, number, boolean or null, got a mapping"}},
		{"environment list", "apt_packages: [git]\nenvironment: [A=1]\n", []string{"environment", "expected a mapping", "got a list"}},
		{"docker not a mapping", "settings:\n  docker: [a]\n", []string{"settings.yaml:2:11:", "settings.docker", "expected a mapping of settings, got a list"}},
		{"steps not a mapping", "steps: [train]\n", []string{"steps", "expected a mapping of step names"}},
		{"step not a mapping", "steps:\n  train: 3\n", []string{"steps.train", "expected a step configuration"}},
		{"duplicate key", "settings:\n  docker:\n    user: a\n    user: b\n", []string{"settings.yaml:4:5:", "settings.docker.user", "duplicate key (first defined at line 3)"}},
		{"non-string key", "settings:\n  docker:\n    [a]: 1\n", []string{"settings.yaml:3:5:", "keys must be plain strings"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("settings.yaml", []byte(tc.doc))
			wantErr(t, err, tc.want...)
		})
	}
}

// TestLoadCollectsAllErrors: one pass reports every problem, sorted by line.
func TestLoadCollectsAllErrors(t *testing.T) {
	_, err := Load("settings.yaml", []byte("settings:\n  docker:\n    requirments: [x]\n    apt_packages: git\n    skip_build: 1\n"))
	es, ok := err.(Errors)
	if !ok || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, line := range []int{3, 4, 5} {
		if es[i].Line != line {
			t.Errorf("error %d: line %d, want %d", i, es[i].Line, line)
		}
	}
	if n := strings.Count(err.Error(), "\n"); n != 2 {
		t.Errorf("want one error per line, got %q", err.Error())
	}
}

// TestResolveErrors checks validation errors: field path of the level that set the value, line,
// and fix.
func TestResolveErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		step string
		want []string
	}{
		{"skip_build without parent", "skip_build: true\napt_packages: [git]\n", "", []string{"settings.yaml:1:1:", "skip_build", "must always contain a parent_image", "fix: set parent_image"}},
		{"skip_build with dockerfile", "skip_build: true\nparent_image: python:3.12\ndockerfile: Dockerfile\n", "", []string{"skip_build", "dockerfile would never be built"}},
		{"local install without files", "local_project_install_command: pip install -e .\nallow_including_files_in_images: false\n", "",
			[]string{"settings.yaml:1:1:", "local_project_install_command", "files must be included", "allow_including_files_in_images: true"}},
		{"nothing to build", "settings:\n  docker:\n    install_stack_requirements: false\n", "", []string{"settings.yaml:2:3:", "settings.docker", "nothing to build", "Unable to run a ZenML pipeline", "fix:"}},
		{"nothing to build at step", "steps:\n  s:\n    settings:\n      docker: {install_stack_requirements: false, user: app, runtime_environment: {A: 1}}\n", "s", []string{"settings.yaml:4:7:", "steps.s.settings.docker", "nothing to build"}},
		{"bad parent image", "parent_image: Python:3.11\n", "", []string{"settings.yaml:1:1:", "parent_image", "invalid image reference", "must be lowercase"}},
		{"bad parent tag", "parent_image: python:.bad\n", "", []string{"parent_image", "invalid tag"}},
		{"bad parent digest", "parent_image: python@sha256:abc\n", "", []string{"parent_image", "invalid digest"}},
		{"bad registry", "parent_image: -bad.io/x:1\n", "", []string{"parent_image", "is not an image reference"}},
		{"target_repository with tag", "apt_packages: [git]\ntarget_repository: team/img:v1\n", "", []string{"settings.yaml:2:1:", "target_repository", "cannot hold a tag", "image_tag"}},
		{"target_repository uppercase", "apt_packages: [git]\ntarget_repository: Team/img\n", "", []string{"target_repository", "lowercase"}},
		{"image_tag bad", "apt_packages: [git]\nimage_tag: -v1\n", "", []string{"settings.yaml:2:1:", "image_tag", "invalid tag"}},
		{"apt bad name", "apt_packages: [git, 'lib foo']\n", "", []string{"settings.yaml:1:21:", "apt_packages[1]", `invalid Debian package name "lib foo"`}},
		{"apt upper case", "apt_packages: [Git]\n", "", []string{"apt_packages[0]", "invalid Debian package name"}},
		{"requirement option", "requirements: ['-e .', pandas]\n", "", []string{"settings.yaml:1:16:", "requirements[0]", "installer option", "local_project_install_command"}},
		{"requirement option with a value", "requirements: [pandas, '--editable=./lib']\n", "", []string{"requirements[1]", "installer option", "--extra-index-url"}},
		{"requirement newline", "requirements: [\"a\\nb\"]\n", "", []string{"requirements[0]", "one line"}},
		{"integration name", "required_integrations: [MLflow]\n", "", []string{"required_integrations[0]", "invalid integration name", "lowercase"}},
		{"installer arg name", "apt_packages: [git]\npython_package_installer_args: {--system: null}\n", "", []string{"settings.yaml:2:33:", "python_package_installer_args.--system", "without leading dashes"}},
		{"installer arg value", "apt_packages: [git]\npython_package_installer_args: {index-url: 'a b'}\n", "", []string{"python_package_installer_args.index-url", "whitespace"}},
		{"local install metachar", "local_project_install_command: pip install -e . && echo hi\n", "", []string{"settings.yaml:1:1:", "local_project_install_command", "shell metacharacter '&'", "without a shell"}},
		{"local install pipe", "local_project_install_command: pip install . | tee log\n", "", []string{"shell metacharacter '|'"}},
		{"local install variable", "local_project_install_command: pip install $PKG\n", "", []string{"shell metacharacter '$'"}},
		{"local install dq variable", "local_project_install_command: pip install \"$PKG\"\n", "", []string{"inside double quotes"}},
		{"local install unterminated", "local_project_install_command: pip install 'x\n", "", []string{"unterminated single quote"}},
		{"local install empty", "local_project_install_command: '  '\n", "", []string{"the command is empty"}},
		{"user bad", "apt_packages: [git]\nuser: 'Root User'\n", "", []string{"user", "invalid user"}},
		{"absolute path", "requirements: /etc/passwd\n", "", []string{"requirements", "absolute path", "relative to the source directory"}},
		{"escaping path", "dockerfile: ../other/Dockerfile\n", "", []string{"dockerfile", "leaves the source directory"}},
		{"escaping path cleaned", "dockerfile: a/../../Dockerfile\n", "", []string{"dockerfile", "leaves the source directory"}},
		{"empty path", "apt_packages: [git]\npyproject_path: ''\n", "", []string{"pyproject_path", "must not be empty"}},
		{"env name", "environment: {1ABC: x}\napt_packages: [git]\n", "", []string{"settings.yaml:1:15:", "environment.1ABC", "invalid environment variable name"}},
		{"memory format", "settings:\n  resources: {memory: 16G}\n", "", []string{"settings.yaml:2:15:", "settings.resources.memory", `invalid memory size "16G"`, "16GB"}},
		{"gpu negative", "settings:\n  resources:\n    gpu_count: -1\n", "", []string{"settings.yaml:3:5:", "settings.resources.gpu_count", "must be 0 or more"}},
		{"cpu zero", "settings:\n  resources: {cpu_count: 0}\n", "", []string{"settings.resources.cpu_count", "greater than 0"}},
		{"replicate empty command", "replicate_local_python_environment: []\n", "", []string{"replicate_local_python_environment", "the command is empty"}},
		{"error at step level names step path", "settings:\n  docker: {apt_packages: [git]}\nsteps:\n  train:\n    settings:\n      docker:\n        apt_packages: [Bad]\n", "train",
			[]string{"settings.yaml:7:24:", "steps.train.settings.docker.apt_packages[0]"}},
		{"error inherited from pipeline names pipeline path", "settings:\n  docker: {user: 'A B'}\nsteps:\n  train:\n    settings:\n      docker:\n        apt_packages: [git]\n", "train",
			[]string{"settings.yaml:2:12:", "settings.docker.user"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := load(t, tc.doc)
			_, _, err := c.Resolve(tc.step, Vars{})
			wantErr(t, err, tc.want...)
		})
	}
}

// TestResolveWarnings checks warnings found while resolving.
func TestResolveWarnings(t *testing.T) {
	_, w := resolve(t, "dockerfile: Dockerfile\nparent_image: python:3.12\n", "", Vars{})
	wantWarning(t, w, "settings.yaml:2:", "parent_image", "ignored because dockerfile is set")

	_, w = resolve(t, "apt_packages: [git]\nbuild_context_root: ctx\n", "", Vars{})
	wantWarning(t, w, "build_context_root", "only used with dockerfile")

	_, w = resolve(t, "settings:\n  docker: {apt_packages: [git]}\nsteps:\n  train: {}\n", "trian", Vars{})
	wantWarning(t, w, "steps.trian", "not listed", `did you mean "train"?`)
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "settings.yaml", Line: 12, Column: 5, Field: "steps.train.settings.docker.requirments", Message: `unknown field; did you mean "requirements"?`}
	if got, want := e.Error(), `settings.yaml:12:5: steps.train.settings.docker.requirments: unknown field; did you mean "requirements"?`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &Error{File: "f.yaml", Field: "x", Message: "m", Fix: "do y"}
	if got, want := e.Error(), "f.yaml: x: m (fix: do y)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	w := Warning{File: "f.yaml", Line: 3, Field: "a.b", Message: "deprecated"}
	if got, want := w.String(), "f.yaml:3: a.b: deprecated"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
