package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
	"dagger/stepimage/published"
	"dagger/stepimage/settings"
)

// Publish builds a step's image and pushes it to REGISTRY/TARGET_REPOSITORY under a tag derived
// from the content digest, and under image_tag too when set. When an image with that content
// tag is already there it is reused without building, unless prevent_build_reuse is set. The
// registry is asked before anything is built, and nothing is pushed when the build fails.
// Prints the pushed reference, pinned by digest.
// +cache="never"
func (m *Stepimage) Publish(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, e.g. --source=. : copied to /app; relative paths in the settings resolve against it.
	source *dagger.Directory,
	// Registry and namespace to push to, e.g. ghcr.io/acme or localhost:5000/team.
	registry string,
	// Step; empty for the pipeline-level settings.
	// +optional
	step string,
	// Export of the local Python environment (pip freeze output), when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements, installed when install_stack_requirements is true. Commas split list items: use stack-requirements-file for specifiers with commas.
	// +optional
	stackRequirements []string,
	// The stack's requirements as a file, one per line.
	// +optional
	stackRequirementsFile *dagger.File,
) (_ string, rerr error) {
	defer reported(&rerr)
	req := request{config: config, source: source, step: step, localEnvironment: localEnvironment,
		stackRequirements: stackRequirements, stackRequirementsFile: stackRequirementsFile}
	pr, err := m.prepare(ctx, req)
	if err != nil {
		return "", err
	}
	job, err := m.publishJob(ctx, pr, registry)
	if err != nil {
		return "", err
	}
	if err := job.build(ctx); err != nil {
		return "", err
	}
	if err := m.push(ctx, job); err != nil {
		return "", err
	}
	return job.result + "\n", nil
}

// PublishAll builds each distinct image of a configuration once (steps with equal merged
// settings share one), several at a time, and pushes them as publish does. Every image is
// built before any is pushed, so a failed build pushes nothing. Prints one line per image: the steps (* = every
// step without an override), the reference, and whether it was reused.
// +cache="never"
func (m *Stepimage) PublishAll(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, e.g. --source=. : copied to /app; relative paths in the settings resolve against it.
	source *dagger.Directory,
	// Registry and namespace to push to, e.g. ghcr.io/acme or localhost:5000/team.
	registry string,
	// Export of the local Python environment (pip freeze output), when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements, installed when install_stack_requirements is true. Commas split list items: use stack-requirements-file for specifiers with commas.
	// +optional
	stackRequirements []string,
	// The stack's requirements as a file, one per line.
	// +optional
	stackRequirementsFile *dagger.File,
	// How many images to build at once.
	// +optional
	// +default=3
	parallel int,
) (_ string, rerr error) {
	defer reported(&rerr)
	// The stack file is read once, not once per image.
	stack, err := readStackRequirements(ctx, request{stackRequirements: stackRequirements, stackRequirementsFile: stackRequirementsFile})
	if err != nil {
		return "", err
	}
	req := request{config: config, source: source, localEnvironment: localEnvironment, stackRequirements: stack}
	cfg, err := loadConfig(ctx, config)
	if err != nil {
		return "", err
	}
	images, warnings, err := cfg.Images(m.vars())
	if err != nil {
		return "", err
	}
	var jobs []*publishJob
	for _, image := range images {
		job, err := m.prepareImageJob(ctx, req, cfg, image, registry)
		if err != nil {
			return "", fmt.Errorf("image of step(s) %s: %w", strings.Join(image.Steps, ", "), err)
		}
		jobs = append(jobs, job)
	}
	if err := buildAll(ctx, jobs, parallel); err != nil {
		return "", err
	}
	var b strings.Builder
	var pushed []string
	for _, job := range jobs {
		if err := m.push(ctx, job); err != nil {
			return "", fmt.Errorf("image of step(s) %s: %w\nalready pushed: %s", strings.Join(job.steps, ", "), err, listOrNone(pushed))
		}
		if !job.reused {
			pushed = append(pushed, job.result)
		}
		fmt.Fprintf(&b, "%s -> %s (%s)\n", strings.Join(job.steps, ","), job.result, job.status())
	}
	// The warnings in the output too, after the table: a progress log is easily missed.
	for _, w := range append(clone(cfg.Warnings), warnings...) {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for _, job := range jobs {
		for _, w := range job.prepared.image.Plan.Warnings {
			fmt.Fprintf(&b, "warning: image of step(s) %s: %s\n", strings.Join(job.steps, ", "), w)
		}
	}
	return b.String(), nil
}

func (m *Stepimage) prepareImageJob(ctx context.Context, req request, cfg *settings.Config, image settings.Image, registry string) (*publishJob, error) {
	pr, err := m.prepareResolved(ctx, req, cfg, image.Settings)
	if err != nil {
		return nil, err
	}
	job, err := m.publishJob(ctx, pr, registry)
	if err != nil {
		return nil, err
	}
	job.steps = image.Steps
	return job, nil
}

// buildAll builds the images at most parallel at a time (layers they share are built once:
// the engine deduplicates equal operations). The first failure is reported once every build
// has ended; nothing has been pushed then.
func buildAll(ctx context.Context, jobs []*publishJob, parallel int) error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(parallel, 1))
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := job.build(ctx); err != nil {
				errs[i] = fmt.Errorf("image of step(s) %s: %w (nothing was pushed)", strings.Join(job.steps, ", "), err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// publishJob is one image to publish: where it goes, and either the image found there or the
// container to push.
type publishJob struct {
	prepared   *prepared
	steps      []string
	contentRef string
	extraRefs  []string
	// reused is true when contentRef already exists (result is then its pinned reference).
	reused bool
	ctr    *dagger.Container
	result string
}

func (job *publishJob) status() string {
	if job.reused {
		return "reused"
	}
	return "built"
}

// build runs the image's layers unless the image was found in the registry.
func (job *publishJob) build(ctx context.Context) error {
	if job.reused {
		return nil
	}
	ctr, err := job.prepared.build(ctx)
	job.ctr = ctr
	return err
}

// publishJob names the image's references and asks the registry for the content tag, before
// anything is built: an unreachable registry fails here, not after a long build.
func (m *Stepimage) publishJob(ctx context.Context, pr *prepared, registry string) (*publishJob, error) {
	r := pr.resolved
	if r.SkipBuild {
		return nil, fmt.Errorf("%s: skip_build is set: the parent image %s is used as it is, there is nothing to publish", pr.cfg.File, r.ParentImage)
	}
	repository, err := imageRepository(registry, r.TargetRepository)
	if err != nil {
		return nil, err
	}
	job := &publishJob{prepared: pr, steps: r.Steps, contentRef: repository + ":" + plan.ContentTag(pr.image.ContentDigest)}
	if r.ImageTag != "" {
		job.extraRefs = append(job.extraRefs, repository+":"+r.ImageTag)
	}
	existing, found, err := m.lookup(ctx, job.contentRef)
	if err != nil {
		return nil, err
	}
	if found && !r.PreventBuildReuse {
		fmt.Fprintf(os.Stderr, "stepimage: %s exists: reusing it, nothing built\n", existing)
		job.reused, job.result = true, existing
	}
	return job, nil
}

// push pushes a built image under its content tag and extra tags, or points the extra tags at
// the reused image.
func (m *Stepimage) push(ctx context.Context, job *publishJob) error {
	if job.reused {
		for _, ref := range job.extraRefs {
			if err := m.tag(ctx, job.result, ref); err != nil {
				return err
			}
		}
		return nil
	}
	ctr := m.withRegistryAuth(job.ctr)
	pushed, err := ctr.Publish(ctx, job.contentRef)
	if err != nil {
		return fmt.Errorf("pushing %s: %w", job.contentRef, err)
	}
	job.result = pushed
	for _, ref := range job.extraRefs {
		// The same container: the same manifest, so the tag's digest is the content tag's.
		if _, err := ctr.Publish(ctx, ref); err != nil {
			return fmt.Errorf("pushing %s (%s was pushed): %w", ref, pushed, err)
		}
	}
	return nil
}

func listOrNone(refs []string) string {
	if len(refs) == 0 {
		return "none"
	}
	return strings.Join(refs, ", ")
}

// lookup asks the registry whether ref exists. A missing image is ("", false, nil); a registry
// that cannot be reached, refuses the credentials or does not answer in time is an error. A
// module runs sandboxed, so a registry on the caller's loopback (a local or CI registry) is
// reachable from the engine only: for those, the engine resolves the reference instead.
func (m *Stepimage) lookup(ctx context.Context, ref string) (string, bool, error) {
	if published.ReachableFromSandbox(ref) {
		credentials, err := m.registryCredentials(ctx)
		if err != nil {
			return "", false, err
		}
		return published.Lookup(ctx, ref, credentials)
	}
	ctx, cancel := context.WithTimeout(ctx, published.Timeout)
	defer cancel()
	pinned, err := m.withRegistryAuth(dag.Container()).From(ref).ImageRef(ctx)
	switch {
	case err == nil:
		return pinned, true, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", false, fmt.Errorf("looking up %s: the registry did not answer within %s", ref, published.Timeout)
	case published.MissingMessage(err.Error()):
		return "", false, nil
	default:
		return "", false, fmt.Errorf("looking up %s: %w", ref, err)
	}
}

// tag points ref at the reused image pinned, as the same manifest.
func (m *Stepimage) tag(ctx context.Context, pinned, ref string) error {
	if published.ReachableFromSandbox(ref) {
		credentials, err := m.registryCredentials(ctx)
		if err != nil {
			return err
		}
		return published.Tag(ctx, pinned, ref, credentials)
	}
	// Through the engine, a re-push is a new manifest: the annotations, which an image
	// loaded with From loses, are set again from the labels, which it keeps.
	current, found, err := m.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if found && digestOf(current) == digestOf(pinned) {
		return nil
	}
	ctr := m.withRegistryAuth(dag.Container().From(pinned))
	for _, label := range plan.AnnotatedLabels {
		value, err := ctr.Label(ctx, label)
		if err != nil {
			return fmt.Errorf("reading label %s of %s: %w", label, pinned, err)
		}
		if value != "" {
			ctr = ctr.WithAnnotation(label, value)
		}
	}
	if _, err := ctr.Publish(ctx, ref); err != nil {
		return fmt.Errorf("tagging %s as %s: %w", pinned, ref, err)
	}
	return nil
}

func digestOf(ref string) string {
	_, digest, _ := strings.Cut(ref, "@")
	return digest
}

// registryCredentials reads the registry secrets for go-containerregistry. The plaintext stays in
// this process's memory: it is never logged or written anywhere.
func (m *Stepimage) registryCredentials(ctx context.Context) ([]published.Credentials, error) {
	var credentials []published.Credentials
	for _, auth := range m.RegistryAuths {
		password, err := auth.Secret.Plaintext(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the registry secret for %s: %w", auth.Address, err)
		}
		credentials = append(credentials, published.Credentials{Host: auth.Address, Username: auth.Username, Password: password})
	}
	return credentials, nil
}

func (m *Stepimage) withRegistryAuth(ctr *dagger.Container) *dagger.Container {
	for _, auth := range m.RegistryAuths {
		ctr = ctr.WithRegistryAuth(auth.Address, auth.Username, auth.Secret)
	}
	return ctr
}

// defaultRepository names images whose settings set no target_repository, as ZenML's "zenml".
const defaultRepository = "stepimage"

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
