package settings

import (
	"reflect"
	"testing"
)

func TestMigrations(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		get     func(*Resolved) any
		want    any
		warning []string
	}{
		{"dockerignore", "apt_packages: [git]\ndockerignore: .dockerignore.old\n", func(r *Resolved) any { return r.Dockerignore }, ".dockerignore.old",
			[]string{"settings.yaml:2:", "dockerignore", "deprecated; use build_config.dockerignore"}},
		{"dockerignore loses to build_config", "apt_packages: [git]\ndockerignore: old\nbuild_config: {dockerignore: new}\n", func(r *Resolved) any { return r.Dockerignore }, "new",
			[]string{"dockerignore", "deprecated; use build_config.dockerignore"}},
		// ZenML 0.98 keeps build_options on the model and reads it nowhere.
		{"build_options has no effect", "dockerfile: Dockerfile\nbuild_options: {buildargs: {A: 1}, target: x}\nparent_image_build_config: {build_options: {target: y}}\n",
			func(r *Resolved) any { return []any{r.ParentImageBuildOptions, r.BuildOptions} }, []any{map[string]any{"target": "y"}, map[string]any(nil)},
			[]string{"settings.yaml:2:1:", "build_options", "has no effect", "parent_image_build_config.build_options"}},
		{"build_options alone", "dockerfile: Dockerfile\nbuild_options: {buildargs: {A: 1}}\n",
			func(r *Resolved) any { return r.ParentImageBuildOptions }, map[string]any(nil), []string{"build_options", "has no effect"}},
		{"source_files download", "apt_packages: [git]\nsource_files: download\n", allowFlags, []bool{false, true, false}, []string{"settings.yaml:2:", "source_files", "deprecated"}},
		{"source_files include", "apt_packages: [git]\nsource_files: include\n", allowFlags, []bool{true, false, false}, []string{"source_files"}},
		{"source_files download_or_include", "apt_packages: [git]\nsource_files: download_or_include\n", allowFlags, []bool{true, true, false}, []string{"source_files"}},
		{"source_files ignore", "apt_packages: [git]\nsource_files: ignore\n", allowFlags, []bool{false, false, false}, []string{"source_files"}},
		{"source_files with new flags", "apt_packages: [git]\nsource_files: ignore\nallow_download_from_artifact_store: false\n", allowFlags, []bool{true, true, false},
			[]string{"source_files", "ignored, because allow_"}},
		{"copy_files", "apt_packages: [git]\ncopy_files: false\n", func(r *Resolved) any { return r.AllowIncludingFilesInImages }, true, []string{"copy_files", "no effect"}},
		{"copy_global_config", "apt_packages: [git]\ncopy_global_config: true\n", func(r *Resolved) any { return r.AptPackages }, []string{"git"}, []string{"copy_global_config", "no effect"}},
		{"required_hub_plugins", "apt_packages: [git]\nrequired_hub_plugins: [x]\n", func(r *Resolved) any { return r.AptPackages }, []string{"git"}, []string{"required_hub_plugins", "no effect"}},
		{"replicate method", "replicate_local_python_environment: pip_freeze\n", func(r *Resolved) any { return r.LocalEnvironment }, LocalEnvironmentPipFreeze, []string{"replicate_local_python_environment", "deprecated"}},
		{"replicate command", "replicate_local_python_environment: [poetry, export]\n", func(r *Resolved) any { return r.LocalEnvironmentCommand }, []string{"poetry", "export"}, []string{"replicate_local_python_environment", "deprecated"}},
		{"automatic detection", "apt_packages: [git]\ndisable_automatic_requirements_detection: false\n", func(r *Resolved) any { return r.AptPackages }, []string{"git"}, []string{"disable_automatic_requirements_detection", "not supported"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := load(t, tc.doc)
			wantWarning(t, c.Warnings, tc.warning...)
			r, _, err := c.Resolve("", Vars{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func allowFlags(r *Resolved) any {
	return []bool{r.AllowIncludingFilesInImages, r.AllowDownloadFromCodeRepository, r.AllowDownloadFromArtifactStore}
}

// TestMigrationPerLevel: a step's source_files overrides the pipeline's allow_* flags (ZenML
// migrates it per level), but a step's deprecated dockerignore does not override the pipeline's
// build_config.dockerignore: ZenML 0.98 uses the merged build_config.dockerignore first.
func TestMigrationPerLevel(t *testing.T) {
	doc := "settings:\n  docker: {apt_packages: [git], build_config: {dockerignore: a}}\nsteps:\n  s:\n    settings:\n      docker: {dockerignore: b, source_files: include}\n"
	c := load(t, doc)
	wantWarning(t, c.Warnings, "settings.yaml:6:", "steps.s.settings.docker.dockerignore")
	r, w, err := c.Resolve("s", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Dockerignore != "a" || r.AllowDownloadFromCodeRepository {
		t.Errorf("got dockerignore %q, repo download %v", r.Dockerignore, r.AllowDownloadFromCodeRepository)
	}
	wantWarning(t, w, "settings.yaml:6:", "steps.s.settings.docker.dockerignore", "ignored, because build_config.dockerignore is set")
}

// TestDeprecatedDockerignorePrecedence mirrors build_docker_image's
// `build_config.dockerignore or docker_settings.dockerignore` on the merged settings.
func TestDeprecatedDockerignorePrecedence(t *testing.T) {
	cases := []struct{ name, pipeline, step, want string }{
		{"step dockerignore over pipeline dockerignore", "dockerignore: p", "dockerignore: s", "s"},
		{"step build_config over pipeline dockerignore", "dockerignore: p", "build_config: {dockerignore: s}", "s"},
		{"pipeline build_config over step dockerignore", "build_config: {dockerignore: p}", "dockerignore: s", "p"},
		{"same level: build_config wins", "{dockerignore: old, build_config: {dockerignore: new}}", "user: app", "new"},
		{"pipeline dockerignore inherited", "dockerignore: p", "user: app", "p"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pipeline := tc.pipeline
			if pipeline[0] != '{' {
				pipeline = "{" + pipeline + "}"
			}
			doc := "settings:\n  docker: " + pipeline + "\nsteps:\n  s:\n    settings:\n      docker: {" + tc.step + "}\n"
			r, _ := resolve(t, doc, "s", Vars{})
			if r.Dockerignore != tc.want {
				t.Errorf("dockerignore %q, want %q", r.Dockerignore, tc.want)
			}
		})
	}
	// A missing file is reported at the field that named it.
	c := load(t, "settings:\n  docker: {dockerignore: old.ignore}\n")
	r, _, err := c.Resolve("", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, c.CheckFiles(r, func(string) (bool, error) { return false, nil }), "settings.yaml:2:12:", "settings.docker.dockerignore", `"old.ignore" not found`)
}
