package main

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// BuildDockerfile builds the Dockerfile that `dockerfile` prints, with Dagger's DockerBuild: the
// same commands as build, as a best-practice Dockerfile (BuildKit cache mounts) gives them. It
// exists to compare the two paths (see the benchmarks); use build for real work.
func (m *Stepimage) BuildDockerfile(
	ctx context.Context,
	// Settings file, YAML or JSON.
	config *dagger.File,
	// Source directory, e.g. --source=. : the build context.
	source *dagger.Directory,
	// Step; empty for the pipeline-level settings.
	// +optional
	step string,
	// The stack's requirements, installed when install_stack_requirements is true. Commas split list items: use stack-requirements-file for specifiers with commas.
	// +optional
	stackRequirements []string,
	// The stack's requirements as a file, one per line.
	// +optional
	stackRequirementsFile *dagger.File,
) (_ *dagger.Container, rerr error) {
	defer reported(&rerr)
	cfg, resolved, _, err := m.resolve(ctx, config, step, m.vars())
	if err != nil {
		return nil, err
	}
	switch {
	case resolved.Dockerfile != "":
		return nil, fmt.Errorf("%s: build-dockerfile compares parent_image settings only; a dockerfile parent is built first by build", cfg.File)
	case resolved.LocalEnvironment != "" || resolved.PyprojectPath != "":
		return nil, fmt.Errorf("%s: build-dockerfile needs its inputs in the context: replicate_local_python_environment and pyproject_path are not supported here", cfg.File)
	}
	for _, env := range resolved.Environment {
		if env.Secret {
			return nil, fmt.Errorf("%s: build-dockerfile does not pass secrets (environment.%s); use build", cfg.File, env.Name)
		}
	}
	if err := cfg.CheckFiles(resolved, existsIn(ctx, source)); err != nil {
		return nil, err
	}
	stack, err := readStackRequirements(ctx, request{stackRequirements: stackRequirements, stackRequirementsFile: stackRequirementsFile})
	if err != nil {
		return nil, err
	}
	p, err := plan.New(resolved, plan.Inputs{StackRequirements: stack, ZenMLVersion: m.ZenmlVersion})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	text, files := p.Dockerfile()
	context := source
	for name, contents := range files {
		context = context.WithNewFile(name, contents)
	}
	dockerfile := path.Join(plan.GeneratedDir, "Dockerfile")
	// The ARG lines take their values from the build, as `docker build --build-arg` gives them.
	var args []dagger.BuildArg
	if layer := p.Find(plan.KindBuildArgs); layer != nil {
		for _, name := range slices.Sorted(maps.Keys(layer.BuildArgs)) {
			args = append(args, dagger.BuildArg{Name: name, Value: layer.BuildArgs[name]})
		}
	}
	ctr, err := context.WithNewFile(dockerfile, text).
		DockerBuild(dagger.DirectoryDockerBuildOpts{Dockerfile: dockerfile, BuildArgs: args}).
		Sync(ctx)
	if err != nil {
		return nil, fmt.Errorf("building %s: %w", dockerfile, err)
	}
	return ctr, nil
}
