package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dagger/tests/internal/dagger"
)

// publishRegistry is where Publish pushes. Publishing happens in the engine, so localhost is
// the engine host's registry (the offline engine's local registry).
const publishRegistry = "localhost:5000/tests-module"

// Publish pushes a fresh image (a per-run runtime value makes its content new), checks the
// printed reference (content tag, pinned by digest), publishes again expecting the same
// reference (reused, not rebuilt), then pulls the image back and runs its code.
// +cache="never"
func (m *Tests) Publish(ctx context.Context) (string, error) {
	run := strconv.FormatInt(time.Now().UnixNano(), 10)
	src := dag.Directory().WithNewFile("app.py", "import os, six\nprint(os.environ['TESTS_RUN'], six.__version__)\n")
	config := dag.Directory().WithNewFile("settings.yaml", fmt.Sprintf(`settings:
  docker:
    requirements: [six==1.16.0]
    runtime_environment:
      TESTS_RUN: "%s"
`, run)).File("settings.yaml")
	opts := dagger.StepimagePublishOpts{Source: src}

	first, err := dag.Stepimage().Publish(ctx, config, publishRegistry, opts)
	if err != nil {
		return "", fmt.Errorf("first publish: %w", err)
	}
	// No target_repository: the repository is "stepimage" under the registry namespace.
	refPattern := regexp.MustCompile(`^` + regexp.QuoteMeta(publishRegistry) + `/stepimage:sha256-([0-9a-f]{16,64})@sha256:[0-9a-f]{64}$`)
	match := refPattern.FindStringSubmatch(first)
	if match == nil {
		return "", fmt.Errorf("publish printed %q, want %s/stepimage:sha256-<content digest>@sha256:<manifest digest>", first, publishRegistry)
	}

	second, err := dag.Stepimage().Publish(ctx, config, publishRegistry, opts)
	if err != nil {
		return "", fmt.Errorf("second publish: %w", err)
	}
	if second != first {
		return "", fmt.Errorf("second publish of the same content printed %q, want the reused %q", second, first)
	}

	pulled := dag.Container().From(first)
	out, err := exec(ctx, pulled, "python", "/app/app.py")
	if err != nil {
		return "", fmt.Errorf("running the published image %s: %w", first, err)
	}
	if out != run+" 1.16.0" {
		return "", fmt.Errorf("published image printed %q, want %q (this run's runtime value, six 1.16.0)", out, run+" 1.16.0")
	}
	content, err := pulled.Label(ctx, "io.stepimage.content-digest")
	if err != nil {
		return "", fmt.Errorf("reading the published image's labels: %w", err)
	}
	if !strings.HasPrefix(strings.TrimPrefix(content, "sha256:"), match[1]) {
		return "", fmt.Errorf("tag content %s does not derive from the image's content digest label %q", match[1], content)
	}
	return "pushed and reused " + first, nil
}
