package layers

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// Cache volumes, namespaced so that they never collide with another module's.
const (
	aptArchivesCache = "stepimage-apt-archives"
	aptListsCache    = "stepimage-apt-lists"
	pipCache         = "stepimage-pip"
	uvCache          = "stepimage-uv"
	pipCacheDir      = "/var/cache/stepimage/pip"
	uvCacheDir       = "/var/cache/stepimage/uv"
)

// Inputs are what a build reads besides the plan.
type Inputs struct {
	// Source is the user's source directory; every path in the settings is relative to it.
	Source *dagger.Directory
	// LocalEnvironment is the local environment export, when the plan installs one.
	LocalEnvironment *dagger.File
	// Secrets holds the caller's secrets by the name the settings use in ${NAME}.
	Secrets map[string]*dagger.Secret
	// Services are reachable by their alias from the install steps (e.g. a private package
	// index running as a Dagger service in CI).
	Services map[string]*dagger.Service
}

// Build is a prepared build: its inputs are resolved and digested, and Container composes the
// layers lazily (nothing runs until the caller syncs, exports or publishes it).
type Build struct {
	Plan *plan.Plan
	// BaseDigest is the parent image's digest ("" for a Dockerfile parent).
	BaseDigest string
	// ContentDigest covers the settings and every input: equal digests, equal images.
	ContentDigest string

	inputs       Inputs
	base         *dagger.Container
	code         *dagger.Directory
	pyproject    *dagger.Directory // the pyproject and its lock files, digested in Prepare
	requirements map[plan.Kind]*dagger.File
}

// Prepare resolves the parent image, reads the dockerignore and digests every input, without
// running any layer. The digests are what publish compares with the registry before building.
func Prepare(ctx context.Context, p *plan.Plan, in Inputs) (*Build, error) {
	b := &Build{Plan: p, inputs: in, requirements: map[plan.Kind]*dagger.File{}}
	digests := map[string]string{}
	for _, layer := range p.Layers {
		var err error
		switch layer.Kind {
		case plan.KindParent:
			err = b.prepareParent(ctx, layer, digests)
		case plan.KindDockerfile:
			err = b.prepareDockerfile(ctx, layer, digests)
		case plan.KindLocalEnv:
			b.requirements[layer.Kind] = in.LocalEnvironment
			err = digestFile(ctx, "local-environment", in.LocalEnvironment, digests)
		case plan.KindRequirements:
			if layer.SourceFile != "" {
				file := in.Source.File(layer.SourceFile)
				b.requirements[layer.Kind] = file
				err = digestFile(ctx, "requirements:"+layer.SourceFile, file, digests)
			}
		case plan.KindPyproject:
			b.pyproject = pyprojectInputs(in.Source, layer.SourceFile)
			digests["pyproject:"+layer.SourceFile], err = b.pyproject.Digest(ctx)
		case plan.KindCode:
			err = b.prepareCode(ctx, layer, digests)
		case plan.KindStack:
			// Stack requirements are not part of the settings: they count as an input.
			digests["stack"] = strings.Join(layer.Packages, "\n")
		}
		if err != nil {
			return nil, fmt.Errorf("preparing %s layer: %w", layer.Kind, err)
		}
	}
	b.ContentDigest = plan.ContentDigest(p.Settings, digests)
	return b, nil
}

func (b *Build) prepareParent(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	base := dag.Container().From(layer.Image)
	// ImageRef right after From is the digest-pinned reference: recording it makes a moved
	// tag (a new parent) a new image, the stale-parent bug ZenML users hit.
	ref, err := base.ImageRef(ctx)
	if err != nil {
		return fmt.Errorf("resolving parent image %s: %w (is the name right, and can the engine reach its registry?)", layer.Image, err)
	}
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		b.BaseDigest = ref[i+1:]
	}
	digests["parent"] = ref
	b.base = base
	return nil
}

func (b *Build) prepareDockerfile(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	context := b.inputs.Source.Directory(layer.Context)
	dockerfile, err := relativeTo(layer.Context, layer.Dockerfile)
	if err != nil {
		// The Dockerfile lives outside its context: bring it in under a private name.
		dockerfile = ".stepimage.Dockerfile"
		context = context.WithFile(dockerfile, b.inputs.Source.File(layer.Dockerfile))
	}
	digests["dockerfile-context"], err = context.Digest(ctx)
	if err != nil {
		return fmt.Errorf("reading build context %s: %w", layer.Context, err)
	}
	var args []dagger.BuildArg
	for _, name := range sortedKeys(layer.BuildArgs) {
		args = append(args, dagger.BuildArg{Name: name, Value: layer.BuildArgs[name]})
	}
	b.base = context.DockerBuild(dagger.DirectoryDockerBuildOpts{Dockerfile: dockerfile, BuildArgs: args})
	return nil
}

func (b *Build) prepareCode(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	ignoreFile := layer.SourceFile
	if ignoreFile == "" {
		exists, err := b.inputs.Source.Exists(ctx, ".dockerignore")
		if err != nil {
			return fmt.Errorf("looking for .dockerignore: %w", err)
		}
		if exists {
			ignoreFile = ".dockerignore"
		}
	}
	contents := ""
	if ignoreFile != "" {
		var err error
		if contents, err = b.inputs.Source.File(ignoreFile).Contents(ctx); err != nil {
			return fmt.Errorf("reading dockerignore %s: %w", ignoreFile, err)
		}
	}
	// Timestamps are reset so that a fresh checkout of the same files is the same layer.
	b.code = b.inputs.Source.Filter(dagger.DirectoryFilterOpts{Exclude: plan.DockerignorePatterns(contents)}).WithTimestamps(0)
	var err error
	digests["code"], err = b.code.Digest(ctx)
	return err
}

// Container composes the image: one small function per layer kind, applied in plan order.
func (b *Build) Container() *dagger.Container {
	p := b.Plan
	ctr := b.base
	if p.Settings.SkipBuild {
		return ctr
	}
	ctr = ctr.WithWorkdir(plan.WorkDir)
	userReady := false
	for _, layer := range p.Layers {
		switch layer.Kind {
		case plan.KindBuildEnv:
			ctr = ctr.With(b.buildEnv(layer))
		case plan.KindApt:
			ctr = ctr.With(apt(layer))
		case plan.KindInstaller:
			ctr = ctr.With(withPipCache(layer.Command))
		case plan.KindLocalEnv, plan.KindStack, plan.KindIntegrations, plan.KindRequirements:
			ctr = ctr.With(b.install(layer, b.requirementsFile(layer)))
		case plan.KindPyproject:
			ctr = ctr.With(b.install(layer, b.pyprojectExport(ctr, layer)))
		case plan.KindCode:
			if layer.User != "" {
				ctr, userReady = ctr.With(ensureUser(layer.User)), true
			}
			ctr = ctr.WithDirectory(plan.WorkDir, b.code, dagger.ContainerWithDirectoryOpts{Owner: layer.User})
		case plan.KindLocalInstall:
			ctr = ctr.With(b.localInstall(layer, p.Settings.User))
		case plan.KindUser:
			if !userReady {
				ctr = ctr.With(ensureUser(layer.User))
			}
		case plan.KindRuntimeEnv:
			// After the last exec: changing a runtime value never reruns an install.
			for _, env := range layer.Env {
				ctr = ctr.WithEnvVariable(env.Name, env.Value)
			}
		case plan.KindLabels:
			// Secrets end with the last exec; the labels layer always comes after it.
			ctr = ctr.With(b.dropSecrets()).With(b.labels(layer))
		}
	}
	if p.Settings.User != "" {
		ctr = ctr.WithUser(p.Settings.User)
	}
	return ctr
}

// buildEnv sets build-time variables. Secret values become secret variables: visible to the
// install steps, never written to the image config or a layer.
func (b *Build) buildEnv(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		for _, env := range layer.Env {
			if env.Secret {
				ctr = ctr.WithSecretVariable(env.Name, b.inputs.Secrets[env.SecretName])
			} else {
				ctr = ctr.WithEnvVariable(env.Name, env.Value)
			}
		}
		return ctr
	}
}

// bindServices attaches the caller's services before an install. The engine has no way to
// detach a binding, so later steps see them too; they never reach the image.
func (b *Build) bindServices(ctr *dagger.Container) *dagger.Container {
	for _, alias := range sortedKeys(b.inputs.Services) {
		ctr = ctr.WithServiceBinding(alias, b.inputs.Services[alias])
	}
	return ctr
}

func (b *Build) dropSecrets() func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		if layer := b.Plan.Find(plan.KindBuildEnv); layer != nil {
			for _, env := range layer.Env {
				if env.Secret {
					ctr = ctr.WithoutSecretVariable(env.Name)
				}
			}
		}
		return ctr
	}
}

// apt installs packages with the archives and lists in locked cache volumes: apt cannot share
// them between concurrent runs, and neither belongs in the image.
func apt(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		locked := dagger.ContainerWithMountedCacheOpts{Sharing: dagger.CacheSharingModeLocked}
		return ctr.
			WithMountedCache("/var/cache/apt/archives", dag.CacheVolume(aptArchivesCache), locked).
			WithMountedCache("/var/lib/apt/lists", dag.CacheVolume(aptListsCache), locked).
			WithExec(layer.Command).
			WithoutMount("/var/cache/apt/archives").
			WithoutMount("/var/lib/apt/lists")
	}
}

func withPipCache(argv []string) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		return ctr.
			WithMountedCache(pipCacheDir, dag.CacheVolume(pipCache)).
			WithExec(append(append([]string{}, argv...), "--cache-dir="+pipCacheDir)).
			WithoutMount(pipCacheDir)
	}
}

func (b *Build) requirementsFile(layer plan.Layer) *dagger.File {
	if file := b.requirements[layer.Kind]; file != nil {
		return file
	}
	return dag.Directory().WithNewFile("requirements.txt", strings.Join(layer.Packages, "\n")+"\n").File("requirements.txt")
}

// install runs one requirements source. The requirements file is mounted, not copied, so it
// is no part of the image, and the layer's cache key is that file's content alone.
func (b *Build) install(layer plan.Layer, requirements *dagger.File) func(*dagger.Container) *dagger.Container {
	installer := b.Plan.Settings.Installer
	return func(ctr *dagger.Container) *dagger.Container {
		cacheDir, volume := pipCacheDir, pipCache
		if installer == "uv" {
			cacheDir, volume = uvCacheDir, uvCache
		}
		return ctr.
			With(b.bindServices).
			WithMountedFile(layer.RequirementsFile, requirements).
			WithMountedCache(cacheDir, dag.CacheVolume(volume)).
			WithExec(plan.WithCacheDir(layer.Command, installer, cacheDir)).
			WithoutMount(cacheDir).
			WithoutMount(layer.RequirementsFile)
	}
}

// pyprojectExport runs the export on a branch of the build (so uv is there and the export
// command leaves nothing in the image) and returns the exported requirements file. Only the
// project's metadata files are mounted: a code change does not rerun the export.
func (b *Build) pyprojectExport(ctr *dagger.Container, layer plan.Layer) *dagger.File {
	out := path.Join(plan.InputsDir, path.Base(layer.RequirementsFile))
	exporter := ctr
	if b.Plan.Settings.Installer != "uv" {
		exporter = exporter.With(withPipCache([]string{"python", "-m", "pip", "install", plan.UVRequirement}))
	}
	export := layer.Export
	if len(export) > 0 && export[0] == "uv" {
		export = append(append([]string{}, export...), "--cache-dir="+uvCacheDir)
	}
	return exporter.
		With(b.bindServices).
		WithMountedDirectory(path.Join(plan.InputsDir, "pyproject"), b.pyproject).
		WithMountedCache(uvCacheDir, dag.CacheVolume(uvCache)).
		WithExec(export, dagger.ContainerWithExecOpts{RedirectStdout: out}).
		File(out)
}

// pyprojectInputs is the pyproject and its lock files: what an export reads.
func pyprojectInputs(source *dagger.Directory, pyproject string) *dagger.Directory {
	dir := path.Dir(pyproject)
	return dag.Directory().WithDirectory(".", source.Directory(dir), dagger.DirectoryWithDirectoryOpts{
		Include: []string{path.Base(pyproject), "uv.lock", "poetry.lock", "README*"},
	}).WithTimestamps(0)
}

// uvSystemCertsEnv makes uv trust the system certificate store (see plan's installer flags) in
// commands that may call uv anywhere inside (the user's local install command): set for that
// exec only, so it stays out of the image config.
const uvSystemCertsEnv = "UV_SYSTEM_CERTS"

func (b *Build) localInstall(layer plan.Layer, user string) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		ctr = ctr.
			With(b.bindServices).
			WithMountedCache("/root/.cache/pip", dag.CacheVolume(pipCache)).
			WithMountedCache("/root/.cache/uv", dag.CacheVolume(uvCache)).
			WithEnvVariable(uvSystemCertsEnv, "1").
			WithExec(layer.Command).
			WithoutEnvVariable(uvSystemCertsEnv).
			WithoutMount("/root/.cache/pip").
			WithoutMount("/root/.cache/uv")
		if user != "" {
			// The install ran as root and may have written into /app (egg-info, build/).
			ctr = ctr.WithExec([]string{"chown", "-R", user, plan.WorkDir})
		}
		return ctr
	}
}

// ensureUser creates the user when the image lacks it and gives it /app. A numeric UID needs no
// account. The user name is passed as an argument, never spliced into the script.
func ensureUser(user string) func(*dagger.Container) *dagger.Container {
	const script = `name="${1%%:*}"
case "$name" in *[!0-9]*) id -u "$name" >/dev/null 2>&1 || useradd --create-home "$name" 2>/dev/null || adduser -D "$name" ;; esac
chown "$1" ` + plan.WorkDir
	return func(ctr *dagger.Container) *dagger.Container {
		return ctr.WithExec([]string{"sh", "-c", script, "stepimage-user", user})
	}
}

func (b *Build) labels(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	labels := map[string]string{plan.LabelContentDigest: b.ContentDigest}
	for k, v := range layer.Labels {
		labels[k] = v
	}
	if b.BaseDigest != "" {
		labels[plan.LabelBaseDigest] = b.BaseDigest
	}
	return func(ctr *dagger.Container) *dagger.Container {
		for _, k := range sortedKeys(labels) {
			ctr = ctr.WithLabel(k, labels[k])
			// OCI annotations on the manifest too, so registries show them without pulling.
			if strings.HasPrefix(k, "org.opencontainers.") || k == plan.LabelContentDigest || k == plan.LabelSteps {
				ctr = ctr.WithAnnotation(k, labels[k])
			}
		}
		return ctr
	}
}

func digestFile(ctx context.Context, name string, file *dagger.File, digests map[string]string) error {
	digest, err := file.Digest(ctx)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	digests[name] = digest
	return nil
}

func relativeTo(dir, file string) (string, error) {
	dir, file = path.Clean(dir), path.Clean(file)
	if dir == "." {
		return file, nil
	}
	if strings.HasPrefix(file, dir+"/") {
		return strings.TrimPrefix(file, dir+"/"), nil
	}
	return "", fmt.Errorf("%s is outside %s", file, dir)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
