package settings

import "testing"

// fuzzSeeds are inputs from the table tests plus shapes that stress the loader.
var fuzzSeeds = []string{
	mergeDoc,
	zenmlRunConfig,
	"",
	"- a\n",
	"settings:\n  docker: [\n",
	"apt_packages: [git]\n---\nuser: x\n",
	"settings:\n  docker:\n    requirments: [x]\n    apt_packages: git\n    skip_build: 1\n",
	"parent_image: python:3.12\nskip_build: true\n",
	"replicate_local_python_environment: [uv, pip, freeze]\n",
	"requirements: ./reqs/requirements.txt\n",
	"local_project_install_command: pip install -e '.[train]' && x\n",
	"apt_packages: [git]\nenvironment: {A: '${X}', B: '$${Y}', C: 1.5, D: true, S: '${HF_TOKEN}'}\nruntime_environment: {R: '${HF_TOKEN}'}\n",
	"apt_packages: [git]\npython_package_installer: pip\npython_package_installer_args: {default-timeout: 120, system: null}\n",
	"x-base: &base\n  apt_packages: [git]\nsettings:\n  docker:\n    <<: *base\n    user: app\n",
	"a: &a [1, 2]\nb: &b [*a, *a]\nc: &c [*b, *b]\nsettings:\n  docker:\n    build_options: {x: *c}\n",
	"dockerignore: x\nbuild_options: {a: 1}\nsource_files: include\ncopy_files: true\n",
	"settings:\n  resources: {cpu_count: 0, gpu_count: -1, memory: 16G}\n",
	`{"settings": {"docker": {"requirements": ["pandas"]}}, "steps": {"t": {"settings": {"docker": {"apt_packages": ["git"]}}}}}`,
	"steps:\n  train:\n    settings:\n      docker: {dockerfile: Dockerfile, parent_image: x}\n",
	"settings:\n  docker:\n    user: caf\xe9\n",
	"\xff\xfea\x00:\x00",
	"apt_packages: [git]\nuser: a\x07b\n",
	"steps:\n  \"t\\nRUN x\": {}\n",
	"requirements: ['--pre -r /etc/os-release', '--trusted-host h', '--prefer-binary', '-i=x', '--index-url=https://x']\n",
	"apt_packages: [git]\nuser: 'app:staff'\nenvironment: {A: \"x\\ry\", B: '${X}${X}'}\n",
}

// FuzzLoad: loading, resolving and grouping never panic, whatever the bytes.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	vars := Vars{Values: map[string]string{"X": "x"}, Secrets: map[string]bool{"HF_TOKEN": true}}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load("fuzz.yaml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, step := range append([]string{""}, c.StepNames()...) {
			if r, _, err := c.Resolve(step, vars); err == nil {
				_ = c.CheckFiles(r, func(string) (bool, error) { return false, nil })
			}
		}
		imgs, _, err := c.Images(vars)
		if err == nil && (len(imgs) == 0 || imgs[0].Steps[0] != PipelineSteps) {
			t.Fatalf("Images without the pipeline group first: %+v", imgs)
		}
	})
}
