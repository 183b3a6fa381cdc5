// Package main is the stepimage Dagger module: it builds the container images of ML pipeline
// steps from ZenML-style Docker settings (pipeline-level settings.docker, per-step overrides),
// layer by layer, with cache volumes instead of --no-cache-dir, secrets kept out of images,
// and content-addressed reuse of published images.
//
// What to build is decided by the engine-free packages settings and plan; this file parses
// arguments, calls them, and hands the plan to the layers package.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/layers"
	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// Stepimage builds step images from a settings file. Values for ${VAR} placeholders, secrets
// and registry credentials are added with the with-* functions before calling build or publish.
type Stepimage struct {
	// Values for ${VAR} placeholders, as NAME=VALUE.
	Vars []string
	// Names of the secrets, in the order of SecretValues.
	SecretNames []string
	// +private
	SecretValues []*dagger.Secret
	// Registries with credentials, as ADDRESS=USERNAME, in the order of RegistrySecrets.
	RegistryUsers []string
	// +private
	RegistrySecrets []*dagger.Secret
	// Aliases of the services, in the order of ServiceValues.
	ServiceAliases []string
	// +private
	ServiceValues []*dagger.Service
}

// WithEnv gives a value to the ${NAME} placeholders of environment and runtime_environment.
// A module cannot read the caller's environment: pass values explicitly.
func (m *Stepimage) WithEnv(
	// Placeholder name, as written in ${NAME}.
	name string,
	// Its value.
	value string,
) *Stepimage {
	next := *m
	next.Vars = append(append([]string{}, m.Vars...), name+"="+value)
	return &next
}

// WithSecret gives a secret to the ${NAME} placeholders of environment (build-time only). The
// value reaches the install steps as a secret variable and is never written to the image, its
// config or the logs. A secret in runtime_environment is refused.
func (m *Stepimage) WithSecret(
	// Placeholder name, as written in ${NAME}.
	name string,
	// The secret, e.g. env://PIP_TOKEN on the command line.
	value *dagger.Secret,
) *Stepimage {
	next := *m
	next.SecretNames = append(append([]string{}, m.SecretNames...), name)
	next.SecretValues = append(append([]*dagger.Secret{}, m.SecretValues...), value)
	return &next
}

// WithRegistryAuth adds credentials for a registry, used by publish and its reuse check.
func (m *Stepimage) WithRegistryAuth(
	// Registry host, e.g. ghcr.io.
	address string,
	username string,
	secret *dagger.Secret,
) *Stepimage {
	next := *m
	next.RegistryUsers = append(append([]string{}, m.RegistryUsers...), address+"="+username)
	next.RegistrySecrets = append(append([]*dagger.Secret{}, m.RegistrySecrets...), secret)
	return &next
}

// WithService makes a service reachable from the install steps under an alias, e.g. a private
// package index started in CI: environment: {PIP_INDEX_URL: http://index:8080/simple}.
func (m *Stepimage) WithService(
	// Host name the install steps use.
	alias string,
	service *dagger.Service,
) *Stepimage {
	next := *m
	next.ServiceAliases = append(append([]string{}, m.ServiceAliases...), alias)
	next.ServiceValues = append(append([]*dagger.Service{}, m.ServiceValues...), service)
	return &next
}

// Build builds the image of one step (or of the pipeline-level settings) and returns it.
// Only the layers whose inputs changed run again: a code change reruns the code layers only.
func (m *Stepimage) Build(
	ctx context.Context,
	// Settings file, YAML or JSON: a ZenML run configuration (settings.docker, steps.NAME.settings.docker) or a bare DockerSettings document.
	config *dagger.File,
	// Source directory: copied to /app; relative paths in the settings resolve against it.
	// +defaultPath="/"
	source *dagger.Directory,
	// Step whose image to build; empty for the pipeline-level settings.
	// +optional
	step string,
	// Export of the local Python environment (pip freeze output), when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements (e.g. from `zenml stack export-requirements`), installed when install_stack_requirements is true.
	// +optional
	stackRequirements []string,
) (*dagger.Container, error) {
	build, err := m.prepare(ctx, config, source, step, localEnvironment, stackRequirements)
	if err != nil {
		return nil, err
	}
	ctr, err := build.Container().Sync(ctx)
	if err != nil {
		return nil, layers.Explain(err, build.Plan)
	}
	return ctr, nil
}

// prepare loads and resolves the settings, checks the files they name, plans the image and
// digests its inputs. Nothing is built yet.
func (m *Stepimage) prepare(ctx context.Context, config *dagger.File, source *dagger.Directory, step string, localEnvironment *dagger.File, stackRequirements []string) (*layers.Build, error) {
	cfg, resolved, _, err := m.resolve(ctx, config, step, m.vars())
	if err != nil {
		return nil, err
	}
	return m.prepareResolved(ctx, cfg, resolved, source, localEnvironment, stackRequirements)
}

func (m *Stepimage) prepareResolved(ctx context.Context, cfg *settings.Config, resolved *settings.Resolved, source *dagger.Directory, localEnvironment *dagger.File, stackRequirements []string) (*layers.Build, error) {
	if err := cfg.CheckFiles(resolved, existsIn(ctx, source)); err != nil {
		return nil, err
	}
	p, err := plan.Build(resolved, plan.Inputs{
		StackRequirements:   stackRequirements,
		HasLocalEnvironment: localEnvironment != nil,
		AptIndexKey:         aptIndexKey(time.Now()),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	secrets, err := m.secrets()
	if err != nil {
		return nil, err
	}
	services := map[string]*dagger.Service{}
	for i, alias := range m.ServiceAliases {
		services[alias] = m.ServiceValues[i]
	}
	return layers.Prepare(ctx, p, layers.Inputs{Source: source, LocalEnvironment: localEnvironment, Secrets: secrets, Services: services})
}

// Validate checks a settings file and prints a summary: the distinct images, the steps that use
// each, and warnings. With --source, the files the settings name are checked too.
func (m *Stepimage) Validate(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, to check the paths the settings name.
	// +optional
	source *dagger.Directory,
) (string, error) {
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
		r := image.Settings
		base := r.ParentImage
		if r.Dockerfile != "" {
			base = "Dockerfile " + r.Dockerfile
		}
		fmt.Fprintf(&b, "  image %d [%s] steps: %s\n    base: %s, installer: %s", i+1, image.Key, strings.Join(image.Steps, ", "), base, r.Installer)
		if r.Resources.GPUCount > 0 {
			fmt.Fprintf(&b, ", gpus: %d", r.Resources.GPUCount)
		}
		b.WriteString("\n")
		if source != nil {
			if err := cfg.CheckFiles(r, existsIn(ctx, source)); err != nil {
				return "", err
			}
		}
		p, err := plan.Build(r, plan.Inputs{HasLocalEnvironment: true, Lenient: true})
		if err != nil {
			return "", fmt.Errorf("%s: %w", cfg.File, err)
		}
		for _, w := range p.Warnings {
			fmt.Fprintf(&b, "warning: image %d: %s\n", i+1, w)
		}
	}
	for _, w := range append(cfg.Warnings, warnings...) {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String(), nil
}

// Plan prints the ordered layers of a step's image: what each does and what reruns it.
func (m *Stepimage) Plan(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Step; empty for the pipeline-level settings.
	// +optional
	step string,
) (string, error) {
	p, err := m.plan(ctx, config, step)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// Dockerfile prints the Dockerfile ZenML would generate for a step's settings (for inspection
// and comparison; build uses Dagger layers, not this file).
func (m *Stepimage) Dockerfile(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Step; empty for the pipeline-level settings.
	// +optional
	step string,
) (string, error) {
	p, err := m.plan(ctx, config, step)
	if err != nil {
		return "", err
	}
	text, _ := p.Dockerfile()
	return text, nil
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
	// The plan shows the layers as if the optional caller inputs were given.
	p, err := plan.Build(resolved, plan.Inputs{HasLocalEnvironment: true, Lenient: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	for _, w := range warnings {
		p.Warnings = append(p.Warnings, w.String())
	}
	return p, nil
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
	warnings = append(append([]settings.Warning{}, cfg.Warnings...), warnings...)
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "stepimage: warning: %s\n", w)
	}
	return cfg, resolved, warnings, nil
}

func loadConfig(ctx context.Context, config *dagger.File) (*settings.Config, error) {
	name, err := config.Name(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading settings file name: %w", err)
	}
	data, err := config.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return settings.Load(name, []byte(data))
}

func (m *Stepimage) vars() settings.Vars {
	vars := settings.Vars{Values: map[string]string{}, Secrets: map[string]bool{}}
	for _, kv := range m.Vars {
		name, value, _ := strings.Cut(kv, "=")
		vars.Values[name] = value
	}
	for _, name := range m.SecretNames {
		vars.Secrets[name] = true
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

func (m *Stepimage) secrets() (map[string]*dagger.Secret, error) {
	if len(m.SecretNames) != len(m.SecretValues) {
		return nil, fmt.Errorf("internal: %d secret names for %d values", len(m.SecretNames), len(m.SecretValues))
	}
	secrets := map[string]*dagger.Secret{}
	for i, name := range m.SecretNames {
		secrets[name] = m.SecretValues[i]
	}
	return secrets, nil
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
