package settings

import (
	"reflect"
	"testing"
)

// TestFields parses one field at a time (bare documents) and checks the resolved value.
func TestFields(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name string
		doc  string
		get  func(*Resolved) any
		want any
	}{
		{"parent_image", "parent_image: ghcr.io/org/img:1.2\n", func(r *Resolved) any { return []any{r.ParentImage, r.ParentImageIsDefault} }, []any{"ghcr.io/org/img:1.2", false}},
		{"parent_image default", "apt_packages: [git]\n", func(r *Resolved) any { return []any{r.ParentImage, r.ParentImageIsDefault} }, []any{DefaultParentImage, true}},
		{"parent_image digest", "parent_image: python@sha256:" + hex64 + "\n", func(r *Resolved) any { return r.ParentImage }, "python@sha256:" + hex64},
		{"dockerfile", "dockerfile: ./docker/Dockerfile\n", func(r *Resolved) any { return []any{r.Dockerfile, r.ParentImage, r.ParentImageIsDefault} }, []any{"docker/Dockerfile", "", false}},
		{"build_context_root", "dockerfile: Dockerfile\nbuild_context_root: ctx/\n", func(r *Resolved) any { return r.BuildContextRoot }, "ctx"},
		{"parent_image_build_config", "dockerfile: Dockerfile\nparent_image_build_config:\n  build_options: {buildargs: {A: 1}}\n  dockerignore: .dockerignore.parent\n", func(r *Resolved) any { return []any{r.ParentImageBuildOptions, r.ParentImageDockerignore} }, []any{map[string]any{"buildargs": map[string]any{"A": int64(1)}}, ".dockerignore.parent"}},
		{"skip_build", "parent_image: python:3.12\nskip_build: true\n", func(r *Resolved) any { return r.SkipBuild }, true},
		{"prevent_build_reuse", "apt_packages: [git]\nprevent_build_reuse: true\n", func(r *Resolved) any { return r.PreventBuildReuse }, true},
		{"target_repository", "apt_packages: [git]\ntarget_repository: my-team/train\n", func(r *Resolved) any { return r.TargetRepository }, "my-team/train"},
		{"image_tag", "apt_packages: [git]\nimage_tag: v1.2.3\n", func(r *Resolved) any { return r.ImageTag }, "v1.2.3"},
		{"installer default uv", "apt_packages: [git]\n", func(r *Resolved) any { return []any{r.Installer, r.InstallerArgs} }, []any{InstallerUV, []InstallerArg{{Name: "no-cache-dir"}}}},
		{"installer pip defaults", "apt_packages: [git]\npython_package_installer: pip\n", func(r *Resolved) any { return r.InstallerArgs }, []InstallerArg{{Name: "no-cache-dir"}, {Name: "default-timeout", Value: str("60")}}},
		// ZenML's {**defaults, **args}: defaults first, an overridden default in its place, then
		// the user's options as written.
		{"installer args merged over defaults, in order", "apt_packages: [git]\npython_package_installer: pip\npython_package_installer_args: {system: null, default-timeout: 120, index-url: 'https://x/simple', pre: true}\n", func(r *Resolved) any { return r.InstallerArgs },
			[]InstallerArg{{Name: "no-cache-dir"}, {Name: "default-timeout", Value: str("120")}, {Name: "system"}, {Name: "index-url", Value: str("https://x/simple")}, {Name: "pre", Value: str("True")}}},
		{"replicate true", "replicate_local_python_environment: true\n", func(r *Resolved) any { return r.LocalEnvironment }, LocalEnvironmentPipFreeze},
		{"replicate false", "apt_packages: [git]\nreplicate_local_python_environment: false\n", func(r *Resolved) any { return r.LocalEnvironment }, LocalEnvironmentMethod("")},
		{"replicate uv_freeze", "replicate_local_python_environment: uv_freeze\n", func(r *Resolved) any { return r.LocalEnvironment }, LocalEnvironmentUVFreeze},
		{"replicate poetry_export", "replicate_local_python_environment: poetry_export\n", func(r *Resolved) any { return r.LocalEnvironment }, LocalEnvironmentPoetryExport},
		{"replicate command", "replicate_local_python_environment: [uv, pip, freeze]\n", func(r *Resolved) any { return []any{r.LocalEnvironment, r.LocalEnvironmentCommand} }, []any{LocalEnvironmentCommand, []string{"uv", "pip", "freeze"}}},
		{"requirements list", "requirements: [pandas>=2, 'torch==2.2.0']\n", func(r *Resolved) any { return r.Requirements }, []string{"pandas>=2", "torch==2.2.0"}},
		{"requirements with requirements-file options", "requirements: ['--extra-index-url https://download.pytorch.org/whl/cpu', '--pre', torch]\n", func(r *Resolved) any { return r.Requirements },
			[]string{"--extra-index-url https://download.pytorch.org/whl/cpu", "--pre", "torch"}},
		{"requirements file", "requirements: ./reqs/requirements.txt\n", func(r *Resolved) any { return []any{r.RequirementsFile, r.Requirements} }, []any{"reqs/requirements.txt", []string(nil)}},
		{"required_integrations", "required_integrations: [mlflow, kubeflow]\n", func(r *Resolved) any { return r.RequiredIntegrations }, []string{"mlflow", "kubeflow"}},
		{"install_stack_requirements default", "apt_packages: [git]\n", func(r *Resolved) any { return r.InstallStackRequirements }, true},
		{"install_stack_requirements false", "apt_packages: [git]\ninstall_stack_requirements: false\n", func(r *Resolved) any { return r.InstallStackRequirements }, false},
		{"local_project_install_command", "local_project_install_command: pip install -e '.[train, eval]' --no-deps\n", func(r *Resolved) any { return r.LocalProjectInstallCommand }, []string{"pip", "install", "-e", ".[train, eval]", "--no-deps"}},
		{"pyproject_path", "pyproject_path: sub/pyproject.toml\npyproject_export_command: [uv, export, --directory, '{directory}']\n", func(r *Resolved) any { return []any{r.PyprojectPath, r.PyprojectExportCommand} }, []any{"sub/pyproject.toml", []string{"uv", "export", "--directory", "{directory}"}}},
		{"apt_packages", "apt_packages: [git, libgomp1, 'curl=7.88.1-10+deb12u5', 'libc6:amd64']\n", func(r *Resolved) any { return r.AptPackages }, []string{"git", "libgomp1", "curl=7.88.1-10+deb12u5", "libc6:amd64"}},
		{"environment stringified like str()", "apt_packages: [git]\nenvironment: {B: true, A: 1, C: 1.50, D: 1e6, E: text, F: 2.5e-7, G: false, H: null, lower_case: x}\n", func(r *Resolved) any { return r.Environment },
			[]EnvVar{{Name: "B", Value: "True"}, {Name: "A", Value: "1"}, {Name: "C", Value: "1.5"}, {Name: "D", Value: "1000000.0"}, {Name: "E", Value: "text"}, {Name: "F", Value: "2.5e-07"}, {Name: "G", Value: "False"}, {Name: "lower_case", Value: "x"}}},
		{"runtime_environment", "runtime_environment: {MODEL_VERSION: v2}\n", func(r *Resolved) any { return r.RuntimeEnvironment }, []EnvVar{{Name: "MODEL_VERSION", Value: "v2"}}},
		{"build_config", "apt_packages: [git]\nbuild_config: {build_options: {no_cache: true}, dockerignore: .dockerignore.prod}\n", func(r *Resolved) any { return []any{r.BuildOptions, r.Dockerignore} }, []any{map[string]any{"no_cache": true}, ".dockerignore.prod"}},
		{"user name", "apt_packages: [git]\nuser: app\n", func(r *Resolved) any { return r.User }, "app"},
		{"user uid:gid", "apt_packages: [git]\nuser: '1000:1000'\n", func(r *Resolved) any { return r.User }, "1000:1000"},
		{"allow flags default", "apt_packages: [git]\n", func(r *Resolved) any {
			return []bool{r.AllowIncludingFilesInImages, r.AllowDownloadFromCodeRepository, r.AllowDownloadFromArtifactStore}
		}, []bool{true, true, true}},
		{"allow flags set", "apt_packages: [git]\nallow_including_files_in_images: false\nallow_download_from_code_repository: false\nallow_download_from_artifact_store: false\n", func(r *Resolved) any {
			return []bool{r.AllowIncludingFilesInImages, r.AllowDownloadFromCodeRepository, r.AllowDownloadFromArtifactStore}
		}, []bool{false, false, false}},
		{"null is unset", "apt_packages: [git]\nparent_image: null\nrequirements: ~\nuser:\n", func(r *Resolved) any { return []any{r.ParentImage, r.Requirements, r.User} }, []any{DefaultParentImage, []string(nil), ""}},
		{"yaml anchors and merge keys", "x-base: &base\n  apt_packages: [git]\nsettings:\n  docker:\n    <<: *base\n    user: app\n", func(r *Resolved) any { return []any{r.AptPackages, r.User} }, []any{[]string{"git"}, "app"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := resolve(t, tc.doc, "", Vars{})
			if got := tc.get(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestResources checks resource settings parsing and merging.
func TestResources(t *testing.T) {
	doc := `
settings:
  docker: {apt_packages: [git]}
  resources: {cpu_count: 2, memory: 8GB}
steps:
  train:
    settings:
      resources: {gpu_count: 2, cpu_count: 0.5, min_replicas: 1}
`
	c := load(t, doc)
	wantWarning(t, c.Warnings, "settings.yaml:8:", "steps.train.settings.resources.min_replicas", "ignored")
	r, _, err := c.Resolve("train", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	want := ResolvedResources{CPUCount: 0.5, GPUCount: 2, Memory: "8GB"}
	if r.Resources != want {
		t.Errorf("got %+v, want %+v", r.Resources, want)
	}
}

// TestPyFloat pins Python's repr(float) formatting.
func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1.5: "1.5", 1: "1.0", 0: "0.0", 1e6: "1000000.0", 1e15: "1000000000000000.0", 1e16: "1e+16",
		0.0001: "0.0001", 0.00001: "1e-05", -2.5: "-2.5", 123.456: "123.456", 1.5e300: "1.5e+300",
	} {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}
