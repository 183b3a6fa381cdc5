package main

import (
	"errors"

	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/layers"
	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// request is what decides one image besides the module state: the arguments every building
// function (build, publish, publish-all, verify-gpu) takes.
type request struct {
	config                *dagger.File
	source                *dagger.Directory
	step                  string
	localEnvironment      *dagger.File
	stackRequirements     []string
	stackRequirementsFile *dagger.File
}

// prepared is a resolved, planned and digested image, not built yet.
type prepared struct {
	cfg      *settings.Config
	resolved *settings.Resolved
	image    *layers.Image
}

// prepare loads and resolves the settings of the request's step.
func (m *Stepimage) prepare(ctx context.Context, req request) (*prepared, error) {
	cfg, resolved, _, err := m.resolve(ctx, req.config, req.step, m.vars())
	if err != nil {
		return nil, err
	}
	return m.prepareResolved(ctx, req, cfg, resolved)
}

// prepareResolved checks the files the settings name, plans the image and digests its inputs.
// Nothing is built yet.
func (m *Stepimage) prepareResolved(ctx context.Context, req request, cfg *settings.Config, resolved *settings.Resolved) (*prepared, error) {
	if err := cfg.CheckFiles(resolved, existsIn(ctx, req.source)); err != nil {
		return nil, err
	}
	stack, err := readStackRequirements(ctx, req)
	if err != nil {
		return nil, err
	}
	p, err := plan.New(resolved, plan.Inputs{
		StackRequirements:   stack,
		HasLocalEnvironment: req.localEnvironment != nil,
		AptIndexKey:         aptIndexKey(time.Now()),
		ZenMLVersion:        m.ZenmlVersion,
		Layout:              m.layout(),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	image, err := layers.Prepare(ctx, p, layers.Inputs{
		Source:           req.source,
		LocalEnvironment: req.localEnvironment,
		Secrets:          m.secrets(),
		Services:         m.services(),
	})
	if err != nil {
		return nil, err
	}
	return &prepared{cfg: cfg, resolved: resolved, image: image}, nil
}

// build runs the prepared image's layers; a failed exec is reported by the layer that ran it.
func (pr *prepared) build(ctx context.Context) (*dagger.Container, error) {
	ctr, err := pr.image.Container(ctx)
	if err == nil {
		ctr, err = ctr.Sync(ctx)
	}
	if err != nil {
		return nil, layers.Explain(err, pr.image.Plan)
	}
	return ctr, nil
}

// readStackRequirements joins the requirements given as a list and as a file (one per line;
// blank lines and comments skipped). A file keeps specifiers with commas whole.
func readStackRequirements(ctx context.Context, req request) ([]string, error) {
	requirements := clone(req.stackRequirements)
	if req.stackRequirementsFile == nil {
		return requirements, nil
	}
	contents, err := req.stackRequirementsFile.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading --stack-requirements-file: %w", err)
	}
	for _, line := range strings.Split(contents, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			requirements = append(requirements, line)
		}
	}
	return requirements, nil
}

// resolve loads the settings file and resolves one step ("" for the pipeline level). Warnings
// (deprecated fields, a step the file does not list) are returned and also go to the engine's
// log, where builds show them: the build goes on.
func (m *Stepimage) resolve(ctx context.Context, config *dagger.File, step string, vars settings.Vars) (*settings.Config, *settings.Resolved, []settings.Warning, error) {
	cfg, err := loadConfig(ctx, config)
	if err != nil {
		return nil, nil, nil, err
	}
	resolved, warnings, err := cfg.Resolve(step, vars)
	if err != nil {
		return nil, nil, nil, err
	}
	warnings = append(clone(cfg.Warnings), warnings...)
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "stepimage: warning: %s\n", w)
	}
	return cfg, resolved, warnings, nil
}

// loadConfig reads the settings file. File.Contents replaces bytes that are not UTF-8 with
// U+FFFD: when one shows, the raw bytes are read back so that Load can name the bad line.
func loadConfig(ctx context.Context, config *dagger.File) (*settings.Config, error) {
	name, err := config.Name(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading settings file name: %w", err)
	}
	data, err := config.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	raw := []byte(data)
	if strings.ContainsRune(data, utf8.RuneError) {
		if raw, err = rawContents(ctx, config); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return settings.Load(name, raw)
}

// rawContents exports the file into the module's own filesystem and reads it byte for byte.
func rawContents(ctx context.Context, file *dagger.File) ([]byte, error) {
	dir, err := os.MkdirTemp("", "stepimage-config-")
	if err != nil {
		return nil, fmt.Errorf("making a temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := dir + "/config"
	if _, err := file.Export(ctx, path); err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	return os.ReadFile(path)
}

func (m *Stepimage) vars() settings.Vars {
	vars := settings.Vars{Values: map[string]string{}, Secrets: map[string]bool{}}
	for _, v := range m.Vars {
		vars.Values[v.Name] = v.Value
	}
	for _, s := range m.Secrets {
		vars.Secrets[s.Name] = true
	}
	return vars
}

// inspectionVars are the vars for functions that only look at a file (validate, plan,
// dockerfile): placeholders whose values come at build time are kept as written.
func (m *Stepimage) inspectionVars() settings.Vars {
	vars := m.vars()
	vars.KeepMissing = true
	return vars
}

func (m *Stepimage) secrets() map[string]*dagger.Secret {
	secrets := map[string]*dagger.Secret{}
	for _, s := range m.Secrets {
		secrets[s.Name] = s.Value
	}
	return secrets
}

func (m *Stepimage) services() map[string]*dagger.Service {
	services := map[string]*dagger.Service{}
	for _, s := range m.Services {
		services[s.Alias] = s.Service
	}
	return services
}

func existsIn(ctx context.Context, dir *dagger.Directory) func(string) (bool, error) {
	return func(path string) (bool, error) {
		return dir.Exists(ctx, path)
	}
}

// aptIndexKey changes weekly: apt indexes are refreshed at most a week late, and an unchanged
// apt layer stays cached within the week.
func aptIndexKey(now time.Time) string {
	year, week := now.UTC().ISOWeek()
	return fmt.Sprintf("%d-W%02d", year, week)
}

// reported keeps the module's own words on an error that wraps an engine error: the SDK
// reports a wrapped engine error by the engine's message alone, so "looking up REF: ...",
// the fix, or the layer would be lost.
func reported(err *error) {
	var engineErr *gqlerror.Error
	if *err != nil && errors.As(*err, &engineErr) && engineErr.Message != (*err).Error() {
		*err = errors.New((*err).Error())
	}
}
