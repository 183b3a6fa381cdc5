//go:build integration

package integration

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestUnchangedRepublishKeepsTheImageTag: image_tag names the content tag's manifest, byte for
// byte, on the first publish and on every reuse, so that an unchanged re-publish moves no tag
// (registries with immutable tags accept it).
func TestUnchangedRepublishKeepsTheImageTag(t *testing.T) {
	t.Parallel()
	repo := uniqueName(t)
	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf("settings:\n  docker:\n    target_repository: %s\n    image_tag: stable\n    runtime_environment: {RUN_ID: \"%d\"}\n", repo, time.Now().UnixNano()),
	})
	publish := []string{"publish", "--config=settings.yaml", "--source=.", "--registry=" + registry + "/it"}
	tagRef := registry + "/it/" + repo + ":stable"
	for i, what := range []string{"first (built)", "second (reused)", "third (reused)"} {
		out := mustCall(t, dir, publish...).stdout
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("%s publish printed %q without a final line break", what, out)
		}
		_, digest, _ := strings.Cut(strings.TrimSpace(out), "@")
		head, err := remote.Head(mustRef(t, tagRef))
		if err != nil {
			t.Fatalf("%s publish: reading %s: %v", what, tagRef, err)
		}
		if head.Digest.String() != digest {
			t.Errorf("%s publish: %s points at %s, want the content tag's %s", what, tagRef, head.Digest, digest)
		}
		if i == 0 {
			continue
		}
		manifest, err := remote.Get(mustRef(t, tagRef))
		if err != nil {
			t.Fatalf("reading %s: %v", tagRef, err)
		}
		if !strings.Contains(string(manifest.Manifest), "io.stepimage.content-digest") {
			t.Errorf("%s publish: the tag lost the manifest annotations:\n%s", what, manifest.Manifest)
		}
	}
}

// TestRegistryThatNeverAnswersFailsInBoundedTime: a registry that accepts connections and then
// says nothing must not stall publish: every registry operation has a deadline, and a timeout
// is an error, not "image missing".
func TestRegistryThatNeverAnswersFailsInBoundedTime(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	dir := project(t, map[string]string{"settings.yaml": "settings:\n  docker:\n    requirements: [six==1.16.0]\n"})
	started := time.Now()
	log := failCall(t, dir, "publish", "--config=settings.yaml", "--source=.", "--registry="+silent.Addr().String()+"/it")
	if elapsed := time.Since(started); elapsed > 4*time.Minute {
		t.Errorf("publish took %s against a silent registry, want it bounded by the 30 s registry deadline", elapsed)
	}
	if !strings.Contains(log, "did not answer within") {
		t.Errorf("the error should say the registry did not answer in time:\n%s", tail(log, 30))
	}
	if installRan(log) {
		t.Errorf("nothing may be built before the registry answers:\n%s", tail(log, 30))
	}
}

// TestRegistryThatIsDownFailsBeforeBuilding: publish asks the registry before building, so a
// registry that is down costs seconds, not a build.
func TestRegistryThatIsDownFailsBeforeBuilding(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	dir := project(t, map[string]string{"settings.yaml": fmt.Sprintf("settings:\n  docker:\n    requirements: [six==1.16.0]\n    environment: {FRESH: \"%d\"}\n", time.Now().UnixNano())})
	log := failCall(t, dir, "publish", "--config=settings.yaml", "--source=.", "--registry="+addr+"/it")
	if !strings.Contains(log, "looking up "+addr) {
		t.Errorf("the error should name the lookup of %s:\n%s", addr, tail(log, 30))
	}
	if installRan(log) {
		t.Errorf("nothing may be built when the registry is down:\n%s", tail(log, 30))
	}
}

// TestPublishAllPushesNothingWhenAnImageFails: every image is built before any is pushed.
func TestPublishAllPushesNothingWhenAnImageFails(t *testing.T) {
	t.Parallel()
	good, bad := uniqueName(t)+"-good", uniqueName(t)+"-bad"
	dir := project(t, map[string]string{
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    target_repository: %s
    runtime_environment: {RUN_ID: "%d"}
steps:
  broken:
    settings:
      docker:
        target_repository: %s
        requirements: [stepimage-no-such-package-anywhere==1.0]
  fine: {}
`, good, time.Now().UnixNano(), bad),
	})
	log := failCall(t, dir, "publish-all", "--config=settings.yaml", "--source=.", "--registry="+registry+"/it")
	if !strings.Contains(log, "nothing was pushed") {
		t.Errorf("the error should say that nothing was pushed:\n%s", tail(log, 30))
	}
	for _, repo := range []string{good, bad} {
		wantNoTags(t, registry+"/it/"+repo)
	}
}

// TestConfigThatIsNotUTF8IsRefusedWithItsLine: the module reads the settings file byte for
// byte; a Latin-1 "é" is refused with its line, not turned into U+FFFD in the image.
func TestConfigThatIsNotUTF8IsRefusedWithItsLine(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{"settings.yaml": "settings:\n  docker:\n    runtime_environment:\n      CITY: caf\xe9\n"})
	log := failCall(t, dir, "build", "--config=settings.yaml", "--source=.")
	if !strings.Contains(log, "settings.yaml:4:") || !strings.Contains(log, "not valid UTF-8") {
		t.Errorf("want settings.yaml:4 and \"not valid UTF-8\":\n%s", tail(log, 20))
	}
}

// TestInstallsLeaveNothingInTmp: installers get their own /tmp (uv leaves an interpreter lock
// there), and the requirement files are mounted, never copied.
func TestInstallsLeaveNothingInTmp(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{"settings.yaml": "settings:\n  docker:\n    requirements: [six==1.16.0]\n"})
	got := run(t, dir, []string{"build", "--config=settings.yaml", "--source=."}, "sh", "-c", "ls -A /tmp; python -c 'import six; print(six.__version__)'")
	if got != "1.16.0" {
		t.Errorf("want an empty /tmp and six 1.16.0; got:\n%s", got)
	}
}
