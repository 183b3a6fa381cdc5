package layers

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// Inputs are what a build reads besides the plan.
type Inputs struct {
	// Source is the user's source directory; every path in the settings is relative to it.
	Source *dagger.Directory
	// LocalEnvironment is the local environment export, when the plan installs one.
	LocalEnvironment *dagger.File
	// Secrets holds the caller's secrets by the name the settings use in ${NAME}.
	Secrets map[string]*dagger.Secret
	// Services are reachable by their alias from the execs that fetch packages (e.g. a
	// private package index running as a Dagger service in CI).
	Services map[string]*dagger.Service
}

// Image is a prepared image: its inputs are resolved and digested, and Container composes the
// layers lazily (nothing runs until the caller syncs, exports or publishes it).
type Image struct {
	Plan *plan.Plan
	// BaseDigest is the parent image's digest ("" for a Dockerfile parent).
	BaseDigest string
	// ContentDigest covers the settings and every input: equal digests, equal images.
	ContentDigest string

	inputs Inputs
	base   *dagger.Container
	code   *dagger.Directory
	// files and dirs are each layer's MountInput: a requirements file, a pyproject's directory.
	files map[plan.Kind]*dagger.File
	dirs  map[plan.Kind]*dagger.Directory
	// path is the image's PATH where the layer being applied runs ("" when it sets none):
	// the value a WithoutSbin exec changes for itself and restores.
	path string
	// certs is the parent's plan.CACertsDir, mounted over the image's for WithoutSbin execs;
	// nil when the parent has no bundle there, or it links elsewhere: they then run as others do.
	certs     *dagger.Directory
	certsRead bool
}

// Prepare resolves the parent image, reads the dockerignore and digests every input, without
// running any layer. The digests are what publish compares with the registry before building.
func Prepare(ctx context.Context, p *plan.Plan, in Inputs) (*Image, error) {
	img := &Image{Plan: p, inputs: in, files: map[plan.Kind]*dagger.File{}, dirs: map[plan.Kind]*dagger.Directory{}}
	digests := map[string]string{}
	if p.Layout == plan.LayoutLayered {
		// The same packages, in other layers: another image.
		digests["layout"] = string(p.Layout)
	}
	// A layered install's sources are prepared as the sequential layers would be: the
	// resolve mounts their inputs, and a fallback runs them.
	for _, layer := range p.Sequential() {
		var err error
		switch layer.Kind {
		case plan.KindParent:
			err = img.prepareParent(ctx, layer, digests)
		case plan.KindDockerfile:
			err = img.prepareDockerfile(ctx, layer, digests)
		case plan.KindLocalEnv:
			img.files[layer.Kind] = in.LocalEnvironment
			err = digestFile(ctx, "local-environment", in.LocalEnvironment, digests)
		case plan.KindZenML, plan.KindStack, plan.KindIntegrations, plan.KindRequirements:
			err = img.prepareRequirements(ctx, layer, digests)
		case plan.KindPyproject:
			img.dirs[layer.Kind] = pyprojectInputs(in.Source, layer.SourceFile)
			digests["pyproject:"+layer.SourceFile], err = img.dirs[layer.Kind].Digest(ctx)
		case plan.KindCode:
			err = img.prepareCode(ctx, layer, digests)
		}
		if err != nil {
			return nil, fmt.Errorf("preparing %s layer: %w", layer.Kind, err)
		}
	}
	img.ContentDigest = plan.ContentDigest(p.Settings, digests)
	return img, nil
}

func (img *Image) prepareParent(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	base := dag.Container().From(layer.Image)
	// ImageRef right after From is the digest-pinned reference: recording it makes a moved
	// tag (a new parent) a new image, the stale-parent bug ZenML users hit.
	ref, err := base.ImageRef(ctx)
	if err != nil {
		return fmt.Errorf("resolving parent image %s: %w (is the name right, and can the engine reach its registry?)", layer.Image, err)
	}
	if _, digest, ok := strings.Cut(ref, "@"); ok {
		img.BaseDigest = digest
	}
	digests["parent"] = ref
	img.base = base
	return nil
}

func (img *Image) prepareDockerfile(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	context := img.inputs.Source.Directory(layer.Context)
	dockerfile, err := relativeTo(layer.Context, layer.Dockerfile)
	if err != nil {
		// The Dockerfile lives outside its context: bring it in under a private name.
		dockerfile = ".stepimage.Dockerfile"
		context = context.WithFile(dockerfile, img.inputs.Source.File(layer.Dockerfile))
	}
	digests["dockerfile-context"], err = context.Digest(ctx)
	if err != nil {
		return fmt.Errorf("reading build context %s: %w", layer.Context, err)
	}
	var args []dagger.BuildArg
	for _, name := range slices.Sorted(maps.Keys(layer.BuildArgs)) {
		args = append(args, dagger.BuildArg{Name: name, Value: layer.BuildArgs[name]})
	}
	img.base = context.DockerBuild(dagger.DirectoryDockerBuildOpts{Dockerfile: dockerfile, BuildArgs: args})
	return nil
}

// prepareRequirements takes the layer's requirements from the source directory, or writes the
// requirement lines the plan knows (stack, integrations, a list) as a file.
func (img *Image) prepareRequirements(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	if layer.SourceFile != "" {
		file := img.inputs.Source.File(layer.SourceFile)
		img.files[layer.Kind] = file
		return digestFile(ctx, "requirements:"+layer.SourceFile, file, digests)
	}
	img.files[layer.Kind] = dag.Directory().WithNewFile("requirements.txt", strings.Join(layer.Packages, "\n")+"\n").File("requirements.txt")
	if layer.Kind == plan.KindStack {
		// Stack requirements are not part of the settings: they count as an input.
		digests["stack"] = strings.Join(layer.Packages, "\n")
	}
	return nil
}

func (img *Image) prepareCode(ctx context.Context, layer plan.Layer, digests map[string]string) error {
	ignoreFile := layer.SourceFile
	if ignoreFile == "" {
		exists, err := img.inputs.Source.Exists(ctx, ".dockerignore")
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
		if contents, err = img.inputs.Source.File(ignoreFile).Contents(ctx); err != nil {
			return fmt.Errorf("reading dockerignore %s: %w", ignoreFile, err)
		}
	}
	// Timestamps are reset so that a fresh checkout of the same files is the same layer.
	img.code = img.inputs.Source.Filter(dagger.DirectoryFilterOpts{Exclude: plan.DockerignorePatterns(contents)}).WithTimestamps(0)
	var err error
	digests["code"], err = img.code.Digest(ctx)
	return err
}

// pyprojectInputs is the pyproject and its lock files: what an export reads.
func pyprojectInputs(source *dagger.Directory, pyproject string) *dagger.Directory {
	dir := path.Dir(pyproject)
	return dag.Directory().WithDirectory(".", source.Directory(dir), dagger.DirectoryWithDirectoryOpts{
		Include: []string{path.Base(pyproject), "uv.lock", "poetry.lock", "README*"},
	}).WithTimestamps(0)
}

func digestFile(ctx context.Context, name string, file *dagger.File, digests map[string]string) error {
	digest, err := file.Digest(ctx)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	digests[name] = digest
	return nil
}

// relativeTo is file's path inside dir, or an error when file lies outside it.
func relativeTo(dir, file string) (string, error) {
	dir, file = path.Clean(dir), path.Clean(file)
	if dir == "." {
		return file, nil
	}
	if rest, ok := strings.CutPrefix(file, dir+"/"); ok {
		return rest, nil
	}
	return "", fmt.Errorf("%s is outside %s", file, dir)
}
