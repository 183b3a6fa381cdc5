package settings

import (
	"errors"
	"reflect"
	"testing"
)

func TestImagesGrouping(t *testing.T) {
	doc := `
settings:
  docker: {requirements: [pandas]}
steps:
  a_only_params:
    parameters: {x: 1}
  b_gpu:
    settings:
      docker: {parent_image: "nvidia/cuda:12.1.0-runtime-ubuntu22.04", requirements: [torch]}
  c_gpu_same:
    settings:
      docker:
        requirements: [torch]
        parent_image: nvidia/cuda:12.1.0-runtime-ubuntu22.04
  d_same_as_pipeline:
    settings:
      docker: {requirements: [pandas], environment: {}}
  e_reuse:
    settings:
      docker: {prevent_build_reuse: true, requirements: [torch], parent_image: "nvidia/cuda:12.1.0-runtime-ubuntu22.04"}
`
	c := load(t, doc)
	imgs, _, err := c.Images(Vars{})
	if err != nil {
		t.Fatal(err)
	}
	var steps [][]string
	for _, im := range imgs {
		steps = append(steps, im.Steps)
		if !reflect.DeepEqual(im.Settings.Steps, im.Steps) {
			t.Errorf("Settings.Steps %v != Steps %v", im.Settings.Steps, im.Steps)
		}
		if len(im.Key) != 16 {
			t.Errorf("key %q", im.Key)
		}
	}
	want := [][]string{{"*", "a_only_params", "d_same_as_pipeline"}, {"b_gpu", "c_gpu_same", "e_reuse"}}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("groups %v, want %v", steps, want)
	}
	if !imgs[1].Settings.PreventBuildReuse {
		t.Error("a group with a prevent_build_reuse step must not reuse builds")
	}

	// The key is stable across runs and independent of key order in the file.
	reordered := `
steps:
  e_reuse:
    settings:
      docker: {parent_image: "nvidia/cuda:12.1.0-runtime-ubuntu22.04", requirements: [torch], prevent_build_reuse: true}
  b_gpu:
    settings:
      docker: {requirements: [torch], parent_image: "nvidia/cuda:12.1.0-runtime-ubuntu22.04"}
settings:
  docker: {requirements: [pandas]}
`
	imgs2, _, err := load(t, reordered).Images(Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if imgs2[0].Key != imgs[0].Key || imgs2[1].Key != imgs[1].Key {
		t.Errorf("keys differ: %s/%s vs %s/%s", imgs[0].Key, imgs[1].Key, imgs2[0].Key, imgs2[1].Key)
	}
	again, _, _ := c.Images(Vars{})
	if again[0].Key != imgs[0].Key {
		t.Error("key not stable across calls")
	}
}

// TestImageKeyMapOrder: build options hash the same whatever their key order; environment order
// is part of the image (the ENV lines' order, as ZenML writes them).
func TestImageKeyMapOrder(t *testing.T) {
	a, _ := resolve(t, "apt_packages: [git]\nbuild_config: {build_options: {a: 1, b: {c: 2, d: 3}}}\nenvironment: {X: 1, Y: 2}\n", "", Vars{})
	b, _ := resolve(t, "environment: {X: 1, Y: 2}\nbuild_config: {build_options: {b: {d: 3, c: 2}, a: 1}}\napt_packages: [git]\n", "", Vars{})
	if imageKey(a) != imageKey(b) {
		t.Error("key depends on the order of build options")
	}
	if e, _ := resolve(t, "apt_packages: [git]\nbuild_config: {build_options: {a: 1, b: {c: 2, d: 3}}}\nenvironment: {Y: 2, X: 1}\n", "", Vars{}); imageKey(a) == imageKey(e) {
		t.Error("environment order changes the image, but not the key")
	}
	c, _ := resolve(t, "apt_packages: [git]\nprevent_build_reuse: true\nbuild_config: {build_options: {a: 1, b: {c: 2, d: 3}}}\nenvironment: {X: 1, Y: 2}\n", "", Vars{})
	if imageKey(a) != imageKey(c) {
		t.Error("prevent_build_reuse must not change the key")
	}
	d, _ := resolve(t, "apt_packages: [git, curl]\n", "", Vars{})
	if imageKey(a) == imageKey(d) {
		t.Error("different settings, same key")
	}
}

func TestImagesBareAndErrors(t *testing.T) {
	imgs, _, err := load(t, "apt_packages: [git]\n").Images(Vars{})
	if err != nil || len(imgs) != 1 || !reflect.DeepEqual(imgs[0].Steps, []string{PipelineSteps}) {
		t.Fatalf("bare document: %+v %v", imgs, err)
	}
	// A pipeline-level error is reported once, not once per step.
	doc := "settings:\n  docker: {apt_packages: [Bad]}\nsteps:\n  a: {}\n  b: {}\n"
	_, _, err = load(t, doc).Images(Vars{})
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("want exactly one error, got %v", err)
	}
	wantErr(t, err, "settings.yaml:2:27:", "settings.docker.apt_packages[0]")
}

func TestCheckFiles(t *testing.T) {
	doc := `
settings:
  docker:
    requirements: requirements.txt
    build_config: {dockerignore: .dockerignore}
steps:
  train:
    settings:
      docker:
        dockerfile: docker/Dockerfile
        build_context_root: docker
        pyproject_path: pyproject.toml
`
	c := load(t, doc)
	files := map[string]bool{"requirements.txt": true, "docker": true}
	exists := func(p string) (bool, error) {
		if p == "boom" {
			return false, errors.New("io failure")
		}
		return files[p], nil
	}
	r, _, err := c.Resolve("train", Vars{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckFiles(r, exists)
	wantErr(t, err, "settings.yaml:10:9:", "steps.train.settings.docker.dockerfile", `Dockerfile "docker/Dockerfile" not found`, "relative to the source directory")
	wantErr(t, err, "settings.yaml:5:20:", "settings.docker.build_config.dockerignore", `".dockerignore" not found`)
	wantErr(t, err, "steps.train.settings.docker.pyproject_path")
	if es := err.(Errors); len(es) != 3 {
		t.Errorf("want 3 errors, got %v", err)
	}
	imgs, _, err := c.Images(Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckFiles(imgs[0].Settings, exists); err == nil || len(err.(Errors)) != 1 {
		t.Errorf("pipeline image: want the dockerignore error only, got %v", err)
	}
	files[".dockerignore"] = true
	if err := c.CheckFiles(imgs[0].Settings, exists); err != nil {
		t.Errorf("want no error, got %v", err)
	}
	wantErr(t, c.CheckFiles(&Resolved{RequirementsFile: "boom"}, exists), "cannot check", "io failure")
}
