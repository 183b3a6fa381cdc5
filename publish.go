package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/layers"
	"dagger/stepimage/plan"
	"dagger/stepimage/registry"
	"dagger/stepimage/settings"
)

// defaultRepository names images whose settings set no target_repository, as ZenML's "zenml".
const defaultRepository = "stepimage"

// Publish builds a step's image and pushes it to REGISTRY/TARGET_REPOSITORY under a tag derived
// from the content digest (and image_tag when set). When an image with that content tag is
// already there it is reused without building, unless prevent_build_reuse is set. Nothing is
// pushed when the build fails. Prints the pushed reference, pinned by digest.
// +cache="never"
func (m *Stepimage) Publish(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory.
	// +defaultPath="/"
	source *dagger.Directory,
	// Registry and namespace to push to, e.g. ghcr.io/acme or localhost:5000/team.
	registry string,
	// Step; empty for the pipeline-level settings.
	// +optional
	step string,
	// Export of the local Python environment, when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements, installed when install_stack_requirements is true.
	// +optional
	stackRequirements []string,
) (string, error) {
	cfg, resolved, _, err := m.resolve(ctx, config, step, m.vars())
	if err != nil {
		return "", err
	}
	result, err := m.publishResolved(ctx, cfg, resolved, source, registry, localEnvironment, stackRequirements)
	if err != nil {
		return "", err
	}
	return result.ref, nil
}

// PublishAll builds each distinct image of a configuration once (steps with equal merged
// settings share one) and pushes it as publish does. Prints one line per image:
// the steps (* = every step without an override), the reference, and whether it was reused.
// +cache="never"
func (m *Stepimage) PublishAll(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory.
	// +defaultPath="/"
	source *dagger.Directory,
	// Registry and namespace to push to.
	registry string,
	// Export of the local Python environment, when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements, installed when install_stack_requirements is true.
	// +optional
	stackRequirements []string,
) (string, error) {
	cfg, err := loadConfig(ctx, config)
	if err != nil {
		return "", err
	}
	images, _, err := cfg.Images(m.vars())
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, image := range images {
		result, err := m.publishResolved(ctx, cfg, image.Settings, source, registry, localEnvironment, stackRequirements)
		if err != nil {
			return "", fmt.Errorf("image of step(s) %s: %w", strings.Join(image.Steps, ", "), err)
		}
		status := "built"
		if result.reused {
			status = "reused"
		}
		fmt.Fprintf(&b, "%s -> %s (%s)\n", strings.Join(image.Steps, ","), result.ref, status)
	}
	return b.String(), nil
}

type published struct {
	ref    string
	reused bool
}

func (m *Stepimage) publishResolved(ctx context.Context, cfg *settings.Config, resolved *settings.Resolved, source *dagger.Directory, registry string, localEnvironment *dagger.File, stackRequirements []string) (*published, error) {
	if resolved.SkipBuild {
		return nil, fmt.Errorf("%s: skip_build is set: the parent image %s is used as it is, there is nothing to publish", cfg.File, resolved.ParentImage)
	}
	build, err := m.prepareResolved(ctx, cfg, resolved, source, localEnvironment, stackRequirements)
	if err != nil {
		return nil, err
	}
	repository, err := imageRepository(registry, resolved.TargetRepository)
	if err != nil {
		return nil, err
	}
	contentRef := repository + ":" + plan.ContentTag(build.ContentDigest)
	var extraRefs []string
	if resolved.ImageTag != "" {
		extraRefs = append(extraRefs, repository+":"+resolved.ImageTag)
	}

	if !resolved.PreventBuildReuse {
		existing, ok, err := m.lookup(ctx, contentRef)
		if err != nil {
			return nil, err
		}
		if ok {
			fmt.Fprintf(os.Stderr, "stepimage: %s exists: reusing it, nothing built\n", existing)
			// Point the custom tag at the reused image: a copy, no build.
			for _, ref := range extraRefs {
				if _, err := m.withRegistryAuth(dag.Container().From(existing)).Publish(ctx, ref); err != nil {
					return nil, fmt.Errorf("tagging %s as %s: %w", existing, ref, err)
				}
			}
			return &published{ref: existing, reused: true}, nil
		}
	}

	// Sync first: a failed build is reported by layer and nothing is pushed.
	ctr, err := build.Container().Sync(ctx)
	if err != nil {
		return nil, layers.Explain(err, build.Plan)
	}
	ctr = m.withRegistryAuth(ctr)
	pushed, err := ctr.Publish(ctx, contentRef)
	if err != nil {
		return nil, fmt.Errorf("pushing %s: %w", contentRef, err)
	}
	for _, ref := range extraRefs {
		if _, err := ctr.Publish(ctx, ref); err != nil {
			return nil, fmt.Errorf("pushing %s: %w", ref, err)
		}
	}
	return &published{ref: pushed}, nil
}

// lookup asks the registry whether ref exists, with go-containerregistry. A module runs
// sandboxed, so a registry on the caller's loopback (a local or CI registry) is reachable from
// the engine only: for those, the engine resolves the reference instead.
func (m *Stepimage) lookup(ctx context.Context, ref string) (string, bool, error) {
	if registry.ReachableFromSandbox(ref) {
		credentials, err := m.registryCredentials(ctx)
		if err != nil {
			return "", false, err
		}
		return registry.Lookup(ctx, ref, credentials)
	}
	pinned, err := m.withRegistryAuth(dag.Container()).From(ref).ImageRef(ctx)
	if err != nil {
		// The engine does not tell a missing image from other failures; the push that follows
		// reports a registry that cannot be reached.
		return "", false, nil
	}
	return pinned, true, nil
}

// registryCredentials reads the registry secrets for go-containerregistry. The plaintext stays in
// this process's memory: it is never logged or written anywhere.
func (m *Stepimage) registryCredentials(ctx context.Context) ([]registry.Credentials, error) {
	var credentials []registry.Credentials
	for i, entry := range m.RegistryUsers {
		host, user, _ := strings.Cut(entry, "=")
		password, err := m.RegistrySecrets[i].Plaintext(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the registry secret for %s: %w", host, err)
		}
		credentials = append(credentials, registry.Credentials{Host: host, Username: user, Password: password})
	}
	return credentials, nil
}

func (m *Stepimage) withRegistryAuth(ctr *dagger.Container) *dagger.Container {
	for i, entry := range m.RegistryUsers {
		address, user, _ := strings.Cut(entry, "=")
		ctr = ctr.WithRegistryAuth(address, user, m.RegistrySecrets[i])
	}
	return ctr
}

// imageRepository joins the registry namespace and the target repository and checks the
// result is a valid repository name.
func imageRepository(registry, targetRepository string) (string, error) {
	registry = strings.TrimSuffix(strings.TrimSpace(registry), "/")
	if registry == "" {
		return "", fmt.Errorf("--registry is empty: give a registry and namespace, e.g. ghcr.io/acme or localhost:5000/team")
	}
	if targetRepository == "" {
		targetRepository = defaultRepository
	}
	repository := registry + "/" + targetRepository
	if _, err := name.NewRepository(repository, name.Insecure); err != nil {
		return "", fmt.Errorf("invalid image repository %q (from --registry %q and target_repository %q): %w", repository, registry, targetRepository, err)
	}
	return repository, nil
}
