package layers

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// Container composes the image, applying the plan's layers in order. Nothing is decided here:
// the execs, their mounts and flags all come from the plan. The layers are lazy except a
// layered install's resolve, which runs here: its output decides the buckets.
func (img *Image) Container(ctx context.Context) (*dagger.Container, error) {
	p := img.Plan
	ctr := img.base
	if p.Settings.SkipBuild {
		return ctr, nil
	}
	ctr = ctr.WithWorkdir(plan.WorkDir)
	// preInstall is the image the packages layer starts from; beside continues it with the
	// layers the plan runs beside the installs, whose changes are merged after them.
	var preInstall, beside *dagger.Container
	for _, layer := range p.Layers {
		on := ctr
		if layer.BesideInstalls {
			on = beside
		}
		if err := img.readPath(ctx, on, layer); err != nil {
			return nil, err
		}
		switch {
		case layer.Kind == plan.KindPackages:
			preInstall, beside = ctr, ctr
			var err error
			if ctr, err = img.packages(ctx, ctr, layer); err != nil {
				return nil, err
			}
		case layer.BesideInstalls:
			beside = beside.With(img.layer(layer))
		default:
			ctr = ctr.With(img.layer(layer))
		}
	}
	if beside != preInstall {
		// Like the buckets, a lazy merge of the diff.
		ctr = ctr.WithDirectory("/", preInstall.Rootfs().Diff(beside.Rootfs()))
	}
	if p.Settings.User != "" {
		ctr = ctr.WithUser(p.Settings.User)
	}
	return ctr, nil
}

// readPath reads the PATH of the image the layer runs on when one of its execs (or of its
// sources, which a layered install may fall back to) runs without the sbin directories, and
// once, the parent's CA directory that such execs get mounted over the image's.
func (img *Image) readPath(ctx context.Context, ctr *dagger.Container, layer plan.Layer) error {
	if !slices.ContainsFunc(append(slices.Clone(layer.Execs), sourceExecs(layer)...), func(e plan.Exec) bool { return e.WithoutSbin }) {
		return nil
	}
	path, err := ctr.EnvVariable(ctx, "PATH")
	if err != nil {
		return fmt.Errorf("reading the image's PATH for the %s layer: %w", layer.Kind, err)
	}
	img.path = path
	if img.certsRead {
		return nil
	}
	img.certsRead = true
	if img.certs, err = mountableCACerts(ctx, img.base); err != nil {
		return fmt.Errorf("looking for the parent image's %s: %w", plan.CACertsDir, err)
	}
	return nil
}

// mountableCACerts returns the parent's plan.CACertsDir when the engine's cheaper CA path
// would write only inside it and the exec finds the parent's trusted certificates there: its
// bundle is a plain file (not a link to elsewhere in the image). Otherwise nil, and
// WithoutSbin execs run as any other exec does (a parent without a bundle may get one from
// apt, which a mounted copy of the parent's directory would hide).
func mountableCACerts(ctx context.Context, parent *dagger.Container) (*dagger.Directory, error) {
	root := parent.Rootfs()
	isDir, err := root.Exists(ctx, plan.CACertsDir, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeDirectoryType, DoNotFollowSymlinks: true})
	if err != nil || !isDir {
		return nil, err
	}
	plain, err := root.Exists(ctx, plan.CABundle, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeRegularType, DoNotFollowSymlinks: true})
	if err != nil || !plain {
		return nil, err
	}
	return parent.Directory(plan.CACertsDir), nil
}

func sourceExecs(layer plan.Layer) []plan.Exec {
	var execs []plan.Exec
	for _, source := range layer.Sources {
		execs = append(execs, source.Execs...)
	}
	return execs
}

// layer applies one layer: what is not an exec (variables, the code copy, labels), then its
// execs.
func (img *Image) layer(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		switch layer.Kind {
		case plan.KindBuildArgs:
			// Build arguments are variables of the build steps only, dropped before the labels.
			for _, name := range slices.Sorted(maps.Keys(layer.BuildArgs)) {
				ctr = ctr.WithEnvVariable(name, layer.BuildArgs[name])
			}
		case plan.KindBuildEnv:
			ctr = ctr.With(img.buildEnv(layer))
		case plan.KindCode:
			ctr = ctr.WithDirectory(plan.WorkDir, img.code)
		case plan.KindZenMLEnv, plan.KindRuntimeEnv:
			// Variables of the image; the runtime ones come after the last exec, so changing
			// one never reruns an install.
			for _, env := range layer.Env {
				ctr = ctr.WithEnvVariable(env.Name, env.Value)
			}
		case plan.KindLabels:
			// Secrets end with the last exec; the labels layer always comes after it.
			ctr = ctr.With(img.dropSecrets).With(img.labels(layer))
		}
		return img.execs(ctr, layer)
	}
}

// buildEnv sets build-time variables. Secret values become secret variables: visible to the
// install steps, never written to the image config or a layer.
func (img *Image) buildEnv(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	return func(ctr *dagger.Container) *dagger.Container {
		for _, env := range layer.Env {
			if env.Secret {
				ctr = ctr.WithSecretVariable(env.Name, img.inputs.Secrets[env.SecretName])
			} else {
				ctr = ctr.WithEnvVariable(env.Name, env.Value)
			}
		}
		return ctr
	}
}

// dropSecrets removes what only the build steps may see: secret variables and build arguments.
func (img *Image) dropSecrets(ctr *dagger.Container) *dagger.Container {
	if layer := img.Plan.Find(plan.KindBuildArgs); layer != nil {
		for _, name := range slices.Sorted(maps.Keys(layer.BuildArgs)) {
			ctr = ctr.WithoutEnvVariable(name)
		}
	}
	if layer := img.Plan.Find(plan.KindBuildEnv); layer != nil {
		for _, env := range layer.Env {
			if env.Secret {
				ctr = ctr.WithoutSecretVariable(env.Name)
			}
		}
	}
	return ctr
}

func (img *Image) labels(layer plan.Layer) func(*dagger.Container) *dagger.Container {
	labels := imageLabels(layer.Labels, img.ContentDigest, img.BaseDigest)
	return func(ctr *dagger.Container) *dagger.Container {
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			ctr = ctr.WithLabel(k, labels[k])
			if slices.Contains(plan.AnnotatedLabels, k) {
				ctr = ctr.WithAnnotation(k, labels[k])
			}
		}
		return ctr
	}
}

// imageLabels adds what only the build knows (the content and base digests) to the plan's labels.
func imageLabels(planned map[string]string, contentDigest, baseDigest string) map[string]string {
	labels := maps.Clone(planned)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[plan.LabelContentDigest] = contentDigest
	if baseDigest != "" {
		labels[plan.LabelBaseDigest] = baseDigest
	}
	return labels
}
