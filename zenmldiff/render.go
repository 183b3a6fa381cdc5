package zenmldiff

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// Rendering is stepimage's verdict on one image: its Dockerfile and generated files, or the
// error with which it refuses the configuration.
type Rendering struct {
	Dockerfile string
	Files      map[string]string
	Warnings   []string
	Err        error
	// Resolved are the settings the image was planned from (nil when resolving failed): some
	// deviations apply only to what stepimage added, not to what the user asked for.
	Resolved *settings.Resolved
}

// Render renders stepimage's Dockerfile for one image of a configuration, through the same API
// the module's dockerfile function uses: load, resolve the step ("" for the pipeline level),
// plan, render. sourceDir, when set, is where the configuration's files are looked up, as a
// build does; when empty (corpus files without their project) files are not checked.
func Render(name string, data []byte, step string, vars settings.Vars, sourceDir string) Rendering {
	cfg, err := settings.Load(name, data)
	if err != nil {
		return Rendering{Err: fmt.Errorf("loading: %w", err)}
	}
	resolved, warnings, err := cfg.Resolve(step, vars)
	if err != nil {
		return Rendering{Err: fmt.Errorf("resolving: %w", err)}
	}
	out := Rendering{Resolved: resolved}
	for _, w := range warnings {
		out.Warnings = append(out.Warnings, w.String())
	}
	if sourceDir != "" {
		exists := func(path string) (bool, error) {
			_, err := os.Stat(filepath.Join(sourceDir, path))
			if errors.Is(err, os.ErrNotExist) {
				return false, nil
			}
			return err == nil, err
		}
		if err := cfg.CheckFiles(resolved, exists); err != nil {
			out.Err = fmt.Errorf("checking files: %w", err)
			return out
		}
	}
	// Lenient, as `dagger call dockerfile` plans: an unknown integration is a warning there.
	p, err := plan.New(resolved, plan.Inputs{HasLocalEnvironment: true, Lenient: true})
	if err != nil {
		out.Err = fmt.Errorf("planning: %w", err)
		return out
	}
	out.Warnings = append(out.Warnings, p.Warnings...)
	out.Dockerfile, out.Files = p.Dockerfile()
	return out
}

// Refuses reports whether a build of this image would refuse the configuration: an error, or
// an unknown integration, which Lenient planning only warns about but a build refuses.
func (r Rendering) Refuses() bool {
	if r.Err != nil {
		return true
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, "unknown integration") {
			return true
		}
	}
	return false
}

// Images returns the steps that stepimage builds an image of their own for (those whose
// resolved settings differ from the pipeline's), as settings.Config.Images groups them.
func Images(name string, data []byte, vars settings.Vars) (ownImage map[string]bool, err error) {
	cfg, err := settings.Load(name, data)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	images, _, err := cfg.Images(vars)
	if err != nil {
		return nil, fmt.Errorf("grouping images: %w", err)
	}
	ownImage = map[string]bool{}
	for _, img := range images {
		pipeline := false
		for _, s := range img.Steps {
			pipeline = pipeline || s == settings.PipelineSteps
		}
		for _, s := range img.Steps {
			if s != settings.PipelineSteps {
				ownImage[s] = !pipeline
			}
		}
	}
	return ownImage, nil
}
