package main

import (
	"context"

	"dagger/stepimage/internal/dagger"
)

// Build builds the image of one step (or of the pipeline-level settings) and returns it.
// Only the layers whose inputs changed run again: a code change reruns the code layers only.
func (m *Stepimage) Build(
	ctx context.Context,
	// Settings file, YAML or JSON: a ZenML run configuration (settings.docker, steps.NAME.settings.docker) or a bare DockerSettings document.
	config *dagger.File,
	// Source directory, e.g. --source=. : copied to /app; relative paths in the settings resolve against it.
	source *dagger.Directory,
	// Step whose image to build; empty for the pipeline-level settings.
	// +optional
	step string,
	// Export of the local Python environment (pip freeze output), when replicate_local_python_environment is set.
	// +optional
	localEnvironment *dagger.File,
	// The stack's requirements (e.g. from `zenml stack export-requirements`), installed when install_stack_requirements is true. Commas split list items: use stack-requirements-file for specifiers with commas.
	// +optional
	stackRequirements []string,
	// The stack's requirements as a file, one per line (e.g. `zenml stack export-requirements > stack.txt`).
	// +optional
	stackRequirementsFile *dagger.File,
) (_ *dagger.Container, rerr error) {
	defer reported(&rerr)
	pr, err := m.prepare(ctx, request{config: config, source: source, step: step, localEnvironment: localEnvironment,
		stackRequirements: stackRequirements, stackRequirementsFile: stackRequirementsFile})
	if err != nil {
		return nil, err
	}
	return pr.build(ctx)
}
