package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// Validate checks a settings file and prints a summary: the distinct images, the steps that use
// each, and warnings. With --source, the files the settings name are checked too.
func (m *Stepimage) Validate(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, to check the paths the settings name.
	// +optional
	source *dagger.Directory,
) (_ string, rerr error) {
	defer reported(&rerr)
	cfg, err := loadConfig(ctx, config)
	if err != nil {
		return "", err
	}
	images, warnings, err := cfg.Images(m.inspectionVars())
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: valid, %d image(s)\n", cfg.File, len(images))
	for i, image := range images {
		if err := m.describeImage(ctx, &b, cfg, i+1, image, source); err != nil {
			return "", err
		}
	}
	for _, w := range append(clone(cfg.Warnings), warnings...) {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String(), nil
}

// describeImage writes one image of validate's summary, after checking its files and plan.
func (m *Stepimage) describeImage(ctx context.Context, b *strings.Builder, cfg *settings.Config, number int, image settings.Image, source *dagger.Directory) error {
	r := image.Settings
	base := r.ParentImage
	if r.Dockerfile != "" {
		base = "Dockerfile " + r.Dockerfile
	}
	fmt.Fprintf(b, "  image %d [%s] steps: %s\n    base: %s, installer: %s", number, image.Key, strings.Join(image.Steps, ", "), base, r.Installer)
	if r.Resources.GPUCount > 0 {
		fmt.Fprintf(b, ", gpus: %d", r.Resources.GPUCount)
	}
	b.WriteString("\n")
	if source != nil {
		if err := cfg.CheckFiles(r, existsIn(ctx, source)); err != nil {
			return err
		}
	}
	// Strict, unlike plan and dockerfile: validate fails wherever build would for a reason
	// inside the file (an unknown integration, say).
	p, err := plan.New(r, plan.Inputs{HasLocalEnvironment: true, ZenMLVersion: m.ZenmlVersion, Layout: m.layout()})
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.File, err)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(b, "warning: image %d: %s\n", number, w)
	}
	return nil
}

// Plan prints the ordered layers of a step's image: what each does, the commands it runs, and
// what reruns it.
func (m *Stepimage) Plan(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Step whose plan to print; empty for the pipeline-level settings.
	// +optional
	step string,
) (_ string, rerr error) {
	defer reported(&rerr)
	return m.render(ctx, config, step, (*plan.Plan).String)
}

// Dockerfile prints the Dockerfile ZenML would generate for a step's settings, with the same
// commands as build (for inspection and comparison; build uses Dagger layers, not this file).
func (m *Stepimage) Dockerfile(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Step whose Dockerfile to print; empty for the pipeline-level settings.
	// +optional
	step string,
) (_ string, rerr error) {
	defer reported(&rerr)
	return m.render(ctx, config, step, func(p *plan.Plan) string {
		text, _ := p.Dockerfile()
		return text
	})
}

// render plans a step's image for inspection and renders it.
func (m *Stepimage) render(ctx context.Context, config *dagger.File, step string, as func(*plan.Plan) string) (string, error) {
	p, err := m.plan(ctx, config, step)
	if err != nil {
		return "", err
	}
	return as(p), nil
}

// Schema prints the JSON Schema of the settings file, for editors
// (# yaml-language-server: $schema=...).
func (m *Stepimage) Schema() (string, error) {
	schema, err := settings.Schema()
	if err != nil {
		return "", fmt.Errorf("generating schema: %w", err)
	}
	return string(schema), nil
}

func (m *Stepimage) plan(ctx context.Context, config *dagger.File, step string) (*plan.Plan, error) {
	cfg, resolved, warnings, err := m.resolve(ctx, config, step, m.inspectionVars())
	if err != nil {
		return nil, err
	}
	p, err := m.inspectionPlan(cfg, resolved)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		p.Warnings = append(p.Warnings, w.String())
	}
	return p, nil
}

// inspectionPlan plans as if the optional caller inputs were given.
func (m *Stepimage) inspectionPlan(cfg *settings.Config, r *settings.Resolved) (*plan.Plan, error) {
	p, err := plan.New(r, plan.Inputs{HasLocalEnvironment: true, Lenient: true, ZenMLVersion: m.ZenmlVersion, Layout: m.layout()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	return p, nil
}
