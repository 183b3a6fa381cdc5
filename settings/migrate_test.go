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
			[]string{"dockerignore", "ignored, because build_config.dockerignore is also set"}},
		{"build_options", "dockerfile: Dockerfile\nbuild_options: {buildargs: {A: 1}, target: x}\nparent_image_build_config: {build_options: {target: y}}\n",
			func(r *Resolved) any { return r.ParentImageBuildOptions }, map[string]any{"buildargs": map[string]any{"A": int64(1)}, "target": "y"},
			[]string{"build_options", "parent_image_build_config.build_options"}},
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

// TestMigrationPerLevel: a step's deprecated field overrides the pipeline's current fields.
func TestMigrationPerLevel(t *testing.T) {
	doc := "settings:\n  docker: {apt_packages: [git], build_config: {dockerignore: a}}\nsteps:\n  s:\n    settings:\n      docker: {dockerignore: b, source_files: include}\n"
	c := load(t, doc)
	wantWarning(t, c.Warnings, "settings.yaml:6:", "steps.s.settings.docker.dockerignore")
	r, _, err := c.Resolve("s", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Dockerignore != "b" || r.AllowDownloadFromCodeRepository {
		t.Errorf("got dockerignore %q, repo download %v", r.Dockerignore, r.AllowDownloadFromCodeRepository)
	}
}
