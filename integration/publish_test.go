//go:build integration

package integration

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// publish pushes a new image, pinned by digest under a content tag (and image_tag), in the
// repository "stepimage" when the settings name none; the image runs; publishing the same
// content again reuses it without any exec; a code change is a new image.
func TestPublishThenReuseWithoutBuilding(t *testing.T) {
	t.Parallel()
	namespace := registry + "/it/" + uniqueName(t)
	tag := fmt.Sprintf("v%d", time.Now().Unix())
	run := fmt.Sprint(time.Now().UnixNano())
	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    image_tag: %s
    environment:
      FRESH: "%s"
    requirements: [six==1.16.0]
    runtime_environment:
      RUN_ID: "%s"
`, tag, run, run),
		"app.py": "import os, six\nprint(os.environ['RUN_ID'], six.__version__)\n",
	})
	publish := []string{"publish", "--config=settings.yaml", "--source=.", "--registry=" + namespace}
	first := mustCall(t, dir, publish...)
	ref := strings.TrimSpace(first.stdout)
	// No target_repository: the repository is "stepimage" under the registry namespace.
	match := regexp.MustCompile(`^` + regexp.QuoteMeta(namespace) + `/stepimage:sha256-([0-9a-f]{16,64})@sha256:[0-9a-f]{64}$`).FindStringSubmatch(ref)
	if match == nil {
		t.Fatalf("publish printed %q, want %s/stepimage:sha256-<content>@sha256:<digest>", ref, namespace)
	}
	if !installRan(first.log) {
		t.Fatalf("the first publish should have built (uv install output expected):\n%s", tail(first.log, 30))
	}
	if out := runImage(t, ref, "python", "/app/app.py"); out != run+" 1.16.0" {
		t.Fatalf("the published image printed %q, want %q (this run's runtime value, six 1.16.0)", out, run+" 1.16.0")
	}

	img := pull(t, ref)
	labels := img.config.Config.Labels
	for _, key := range []string{"io.stepimage.content-digest", "io.stepimage.settings-digest", "org.opencontainers.image.base.digest", "org.opencontainers.image.base.name"} {
		if labels[key] == "" {
			t.Errorf("published image lacks label %s (labels: %v)", key, labels)
		}
	}
	if content := strings.TrimPrefix(labels["io.stepimage.content-digest"], "sha256:"); !strings.HasPrefix(content, match[1]) {
		t.Errorf("tag of %s does not derive from content digest %s", ref, labels["io.stepimage.content-digest"])
	}
	if _, err := remote.Head(mustRef(t, namespace+"/stepimage:"+tag), remote.WithTransport(remote.DefaultTransport)); err != nil {
		t.Errorf("image_tag %s not pushed: %v", tag, err)
	}

	second := mustCall(t, dir, publish...)
	if strings.TrimSpace(second.stdout) != ref {
		t.Fatalf("second publish printed %q, want the reused %q", second.stdout, ref)
	}
	if !strings.Contains(second.log, "reusing it, nothing built") || strings.Contains(second.log, "withExec") {
		t.Fatalf("the second publish must reuse the image without any exec:\n%s", tail(second.log, 40))
	}

	// A code change is a new image.
	writeFile(t, dir+"/app.py", "print('changed')\n")
	third := mustCall(t, dir, publish...)
	if strings.TrimSpace(third.stdout) == ref {
		t.Fatal("a code change must produce a new content tag")
	}
}

func TestPublishAllBuildsEachDistinctImageOnce(t *testing.T) {
	t.Parallel()
	repo := uniqueName(t)
	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    target_repository: %s
    requirements: [six==1.16.0]
steps:
  load:
    parameters: {rows: 10}
  evaluate:
    settings:
      docker:
        runtime_environment: {}
  train:
    settings:
      docker:
        requirements: [six==1.16.0, idna==3.7]
`, repo),
	})
	out := strings.TrimSpace(mustCall(t, dir, "publish-all", "--config=settings.yaml", "--source=.", "--registry="+registry+"/it").stdout)
	// One line per image; warnings, if any, come after the table.
	lines := slices.DeleteFunc(strings.Split(out, "\n"), func(l string) bool { return strings.HasPrefix(l, "warning: ") })
	if len(lines) != 2 {
		t.Fatalf("publish-all printed %d images, want 2 (train differs; load and evaluate share the pipeline image):\n%s", len(lines), out)
	}
	shared, train := lines[0], lines[1]
	if !strings.Contains(shared, "load") || !strings.Contains(shared, "evaluate") || !strings.Contains(train, "train") {
		t.Fatalf("unexpected grouping:\n%s", out)
	}
	for _, line := range lines {
		_, rest, _ := strings.Cut(line, " -> ")
		pull(t, strings.Fields(rest)[0])
	}
}

func mustRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	parsed, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatalf("parsing %s: %v", ref, err)
	}
	return parsed
}

// pull reads a published image from the registry with go-containerregistry.
func pull(t *testing.T, ref string) *image {
	t.Helper()
	img, err := remote.Image(mustRef(t, ref))
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	return inspect(t, img)
}

func TestFailedBuildPublishesNothing(t *testing.T) {
	t.Parallel()
	repo := uniqueName(t)
	settings := "settings:\n  docker:\n    target_repository: " + repo + "\n    image_tag: latest\n" +
		"    requirements: [stepimage-no-such-package-anywhere==1.0]\n"
	dir := project(t, map[string]string{"settings.yaml": settings})
	log := failCall(t, dir, "publish", "--config=settings.yaml", "--source=.", "--registry="+registry+"/it")
	if !strings.Contains(log, `layer "packages" failed`) {
		t.Fatalf("the failing layer must be named:\n%s", tail(log, 30))
	}
	wantNoTags(t, registry+"/it/"+repo)
}

// wantNoTags asserts that nothing was pushed to a repository. Anything but "no such
// repository" leaves the question open: the registry must answer.
func wantNoTags(t *testing.T, repo string) {
	t.Helper()
	repository, err := name.NewRepository(repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(repository)
	var terr *transport.Error
	switch {
	case err == nil && len(tags) > 0:
		t.Errorf("tags %v were pushed to %s", tags, repository)
	case err != nil && !(errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound):
		t.Fatalf("listing %s: %v", repository, err)
	}
}
