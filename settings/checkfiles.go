package settings

import "fmt"

// CheckFiles verifies that the paths the settings name exist in the source directory: the
// requirements file, the Dockerfile, the build context root, the dockerignore files and the
// pyproject file. exists reports whether a source-relative path exists. r is a result of
// Resolve or Images on c; errors name the level (step or pipeline) that set each path.
func (c *Config) CheckFiles(r *Resolved, exists func(path string) (bool, error)) error {
	step := ""
	if len(r.Steps) > 0 && r.Steps[0] != PipelineSteps {
		step = r.Steps[0]
	}
	rv := &resolver{c: c, step: step}
	// r.Dockerignore comes from build_config.dockerignore, else from the deprecated dockerignore.
	dockerignoreField := "dockerignore"
	var stepDocker *DockerSettings
	if rv.stepLevel() {
		stepDocker = c.Steps[step].Docker
	}
	if ds := mergeDocker(c.Pipeline.Docker, stepDocker); ds.BuildConfig != nil && ds.BuildConfig.Dockerignore != nil {
		dockerignoreField = "build_config.dockerignore"
	}
	const fix = "paths are relative to the source directory (--source), not to the configuration file; check the spelling or add the file"
	checks := []struct{ field, path, what string }{
		{"dockerfile", r.Dockerfile, "Dockerfile"},
		{"build_context_root", r.BuildContextRoot, "build context root"},
		{"parent_image_build_config.dockerignore", r.ParentImageDockerignore, "dockerignore file"},
		{dockerignoreField, r.Dockerignore, "dockerignore file"},
		{"pyproject_path", r.PyprojectPath, "pyproject file"},
		{"requirements", r.RequirementsFile, "requirements file"},
	}
	for _, ch := range checks {
		if ch.path == "" {
			continue
		}
		ok, err := exists(ch.path)
		switch {
		case err != nil:
			rv.fail("docker", ch.field, fmt.Sprintf("cannot check %s %q: %v", ch.what, ch.path, err), "")
		case !ok:
			rv.fail("docker", ch.field, fmt.Sprintf("%s %q not found in the source directory", ch.what, ch.path), fix)
		}
	}
	return rv.errs.err()
}
