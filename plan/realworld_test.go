package plan

import (
	"os"
	"path/filepath"
	"testing"

	"dagger/stepimage/settings"
)

// Run configurations shaped like public ZenML projects must load, resolve and plan strictly
// (every integration known, every path present), with placeholders whose values come later.
func TestRealWorldConfigurationsPlan(t *testing.T) {
	dir := filepath.Join("..", "examples", "zenml-configs")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configurations in %s (%v)", dir, err)
	}
	exists := func(path string) (bool, error) {
		_, err := os.Stat(filepath.Join(dir, path))
		return err == nil, nil
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cfg, err := settings.LoadFile(file)
			if err != nil {
				t.Fatalf("loading: %v", err)
			}
			images, _, err := cfg.Images(settings.Vars{KeepMissing: true})
			if err != nil {
				t.Fatalf("resolving: %v", err)
			}
			for _, image := range images {
				if err := cfg.CheckFiles(image.Settings, exists); err != nil {
					t.Errorf("checking files of %v: %v", image.Steps, err)
				}
				p, err := New(image.Settings, Inputs{HasLocalEnvironment: true})
				if err != nil {
					t.Errorf("planning %v: %v", image.Steps, err)
					continue
				}
				if p.Find(KindLabels) == nil {
					t.Errorf("plan of %v has no labels layer", image.Steps)
				}
			}
		})
	}
}
