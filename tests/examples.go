package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dagger/tests/internal/dagger"
)

// Sklearn builds examples/sklearn: the train step (its own requirements, user and runtime
// value) and the pipeline-level image, and runs the training in the train image.
// +cache="never"
func (m *Tests) Sklearn(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, _, err := example(ctx, examples, "sklearn")
	if err != nil {
		return "", err
	}
	config := src.File("settings.yaml")

	train := dag.Stepimage().Build(config, src, dagger.StepimageBuildOpts{Step: "train"})
	out, err := exec(ctx, train, "python", "-m", "pipeline.train")
	if err != nil {
		return "", fmt.Errorf("train step: %w", err)
	}
	// steps.train overrides runtime_environment.MODEL_NAME; the script prints it and the accuracy.
	const prefix = "iris-classifier-v2: training accuracy "
	if !strings.HasPrefix(out, prefix) {
		return "", fmt.Errorf("train step printed %q, want %q and an accuracy (the step's MODEL_NAME override)", out, prefix+"…")
	}
	accuracy, err := strconv.ParseFloat(strings.TrimPrefix(out, prefix), 64)
	if err != nil || accuracy < 0.9 {
		return "", fmt.Errorf("train step printed %q: want an accuracy of at least 0.9", out)
	}
	// The code is copied as root, then the user layer gives /app (and everything in it) to the
	// user, as ZenML's `chown -R USER .` does.
	trainFacts, err := sh(ctx, train, `id -un; dpkg-query -W -f='${Status}\n' libgomp1; python -c 'import joblib, sklearn; print("imports ok")'; stat -c %U /app /app/pipeline/train.py; echo "$PYTHONUNBUFFERED"`)
	if err != nil {
		return "", fmt.Errorf("train step: %w", err)
	}
	if err := expectLines("train image (user, apt package, step requirements, owner of /app and its code, build env)", trainFacts,
		"trainer", "install ok installed", "imports ok", "trainer", "trainer", "1"); err != nil {
		return "", err
	}

	pipeline := dag.Stepimage().Build(config, src)
	facts, err := sh(ctx, pipeline, `echo "$MODEL_NAME"; id -un; python -c 'import sklearn; print("sklearn ok")'; python -c 'import joblib' 2>/dev/null && echo joblib || echo no-joblib; test -f /app/pipeline/train.py && echo code-ok`)
	if err != nil {
		return "", fmt.Errorf("pipeline-level image: %w", err)
	}
	// requirements.txt lists scikit-learn only; joblib comes with it as a dependency.
	if err := expectLines("pipeline-level image (MODEL_NAME, user, requirements file, code)", facts,
		"iris-classifier", "root", "sklearn ok", "joblib", "code-ok"); err != nil {
		return "", err
	}
	trainPackages, err := sameAsSequential(ctx, "train image", train, dag.Stepimage(sequentialLayout).Build(config, src, dagger.StepimageBuildOpts{Step: "train"}))
	if err != nil {
		return "", err
	}
	pipelinePackages, err := sameAsSequential(ctx, "pipeline-level image", pipeline, dag.Stepimage(sequentialLayout).Build(config, src))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("train step: %s, runs as trainer; pipeline image: MODEL_NAME=iris-classifier, root; layered = sequential (%d and %d packages, pip check passes)",
		out, trainPackages, pipelinePackages), nil
}

// PyprojectUv builds examples/pyproject-uv: dependencies exported from pyproject.toml and
// uv.lock, then the project installed from /app. The versions installed must be the locked ones.
// +cache="never"
func (m *Tests) PyprojectUv(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, _, err := example(ctx, examples, "pyproject-uv")
	if err != nil {
		return "", err
	}
	lock, err := src.File("uv.lock").Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("reading uv.lock: %w", err)
	}
	want := map[string]string{}
	for _, name := range []string{"attrs", "packaging"} {
		if want[name], err = lockedVersion(lock, name); err != nil {
			return "", err
		}
	}

	ctr := dag.Stepimage().Build(src.File("settings.yaml"), src)
	// The console script exists only if the project itself was installed.
	out, err := exec(ctx, ctr, "pyproject-demo")
	if err != nil {
		return "", err
	}
	wantOut := fmt.Sprintf("Report(attrs_version='%s', packaging_version='%s')", want["attrs"], want["packaging"])
	if out != wantOut {
		return "", fmt.Errorf("pyproject-demo printed %q, want %q (the versions in uv.lock)", out, wantOut)
	}
	// The package is imported from site-packages, not from /app/src (not on sys.path anyway).
	where, err := exec(ctx, ctr.WithWorkdir("/"), "python", "-c", "import stepimage_pyproject_demo as m; print(m.__file__)")
	if err != nil {
		return "", err
	}
	if !strings.Contains(where, "-packages/stepimage_pyproject_demo/") {
		return "", fmt.Errorf("stepimage_pyproject_demo imported from %s, want an installed copy in site-packages", where)
	}
	packages, err := sameAsSequential(ctx, "pyproject image", ctr, dag.Stepimage(sequentialLayout).Build(src.File("settings.yaml"), src))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("locked attrs %s and packaging %s installed; project installed at %s; layered = sequential (%d packages)", want["attrs"], want["packaging"], where, packages), nil
}

// CustomDockerfile builds examples/custom-dockerfile: its Dockerfile (context docker/, a build
// argument) as the parent, with a requirement, the code and a runtime variable on top.
// +cache="never"
func (m *Tests) CustomDockerfile(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, _, err := example(ctx, examples, "custom-dockerfile")
	if err != nil {
		return "", err
	}
	banner, err := src.File("docker/banner.txt").Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("reading docker/banner.txt: %w", err)
	}
	ctr := dag.Stepimage().Build(src.File("settings.yaml"), src)
	out, err := exec(ctx, ctr, "python", "step.py")
	if err != nil {
		return "", err
	}
	want := []string{
		strings.TrimSpace(banner),            // COPY from the build context
		"built for team ml-platform",         // RUN with the settings' build argument TEAM
		"COMPANY_BASE_IMAGE = 1",             // ENV of the Dockerfile
		"packaging 24.1",                     // requirements on top
		"STEP_NAME = custom-dockerfile-demo", // runtime_environment
	}
	if err := expectLines("step.py in the built image", out, want...); err != nil {
		return "", err
	}
	// The code is in /app; .dockerignore keeps the parent's build context (docker/) out of it.
	files, err := sh(ctx, ctr, "test -f /app/step.py && echo step.py; test -e /app/docker && echo docker || echo no-docker")
	if err != nil {
		return "", err
	}
	if err := expectLines("/app", files, "step.py", "no-docker"); err != nil {
		return "", err
	}
	packages, err := sameAsSequential(ctx, "custom-dockerfile image", ctr, dag.Stepimage(sequentialLayout).Build(src.File("settings.yaml"), src))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Dockerfile parent (context file, build arg, ENV) + packaging 24.1 + code + runtime env; layered = sequential (%d packages)", packages), nil
}

// SkipBuild builds examples/skip-build: the parent image must come back untouched, also when
// the settings list requirements and runtime variables beside skip_build, and publish must
// refuse (there is nothing to push).
// +cache="never"
func (m *Tests) SkipBuild(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
) (string, error) {
	src, _, err := example(ctx, examples, "skip-build")
	if err != nil {
		return "", err
	}
	config := src.File("settings.yaml")
	contents, err := config.Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("reading settings.yaml: %w", err)
	}
	// The example with more under settings.docker: none of it may be applied.
	withMore := dag.Directory().WithNewFile("settings.yaml", strings.TrimRight(contents, "\n")+`
    requirements: [six]
    runtime_environment:
      NOT_SET: "1"
`).File("settings.yaml")

	const probe = `pwd; ls /app 2>/dev/null || echo no-app; python -c 'import six' 2>/dev/null && echo six || echo no-six; env | sort | grep -v '^HOSTNAME=' | sha256sum | cut -c1-16`
	want, err := sh(ctx, dag.Container().From("python:3.11-slim"), probe)
	if err != nil {
		return "", fmt.Errorf("parent image: %w", err)
	}
	for _, tc := range []struct {
		what   string
		config *dagger.File
	}{{"settings.yaml", config}, {"settings.yaml with requirements and runtime_environment added", withMore}} {
		ctr := dag.Stepimage().Build(tc.config, src)
		got, err := sh(ctx, ctr, probe)
		if err != nil {
			return "", fmt.Errorf("%s: %w", tc.what, err)
		}
		if got != want {
			return "", fmt.Errorf("%s: the skip_build image differs from python:3.11-slim (workdir, /app, six, environment):\n  got:  %q\n  want: %q", tc.what, got, want)
		}
		if label, err := ctr.Label(ctx, "io.stepimage.content-digest"); err != nil || label != "" {
			return "", fmt.Errorf("%s: the skip_build image has stepimage's label %q (err %v): nothing may be added", tc.what, label, err)
		}
	}
	_, err = dag.Stepimage().Publish(ctx, config, src, "localhost:5000/tests-module")
	if err := expectError("publish with skip_build", err, "skip_build is set"); err != nil {
		return "", err
	}
	return "parent image returned as it is (workdir, env, no /app, no requirements, no labels), also with fields to ignore; publish refused", nil
}
