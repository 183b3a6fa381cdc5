package layers

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// The tests of this package need DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN set (to
// anything; hack/test.sh does it): the generated client reads them when the package loads,
// though nothing here talks to an engine.

func testPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := plan.New(&settings.Resolved{
		ParentImage:                 settings.DefaultParentImage,
		Installer:                   "uv",
		AptPackages:                 []string{"git"},
		Requirements:                []string{"six"},
		AllowIncludingFilesInImages: true,
		LocalProjectInstallCommand:  []string{"pip", "install", "-e", "."},
		User:                        "trainer",
	}, plan.Inputs{AptIndexKey: "2026-W48"})
	if err != nil {
		t.Fatalf("planning: %v", err)
	}
	return p
}

// TestExplainNamesTheLayerOfEveryExec: whatever exec of the plan fails, the error names its
// layer, the command and the stderr tail, with a fix where one is known.
func TestExplainNamesTheLayerOfEveryExec(t *testing.T) {
	p := testPlan(t)
	for _, layer := range p.Layers {
		for _, exec := range layer.Execs {
			stderr := strings.Repeat("noise\n", 30) + "E: Unable to locate package git"
			err := Explain(fmt.Errorf("wrapped: %w", &dagger.ExecError{Cmd: exec.Argv, ExitCode: 100, Stderr: stderr}), p)
			var layerErr *LayerError
			if !errors.As(err, &layerErr) {
				t.Fatalf("Explain returned %T, want *LayerError", err)
			}
			if layerErr.Kind != layer.Kind {
				t.Errorf("exec %q: layer %q, want %q", exec.Argv, layerErr.Kind, layer.Kind)
			}
			if n := strings.Count(layerErr.StderrTail, "\n") + 1; n != stderrTailLines {
				t.Errorf("stderr tail has %d lines, want %d", n, stderrTailLines)
			}
			msg := layerErr.Error()
			if !strings.Contains(msg, fmt.Sprintf("layer %q failed (exit code 100)", layer.Kind)) || !strings.Contains(msg, "    E: Unable to locate package git") {
				t.Errorf("message lacks the layer or the stderr tail:\n%s", msg)
			}
			if layer.Kind == plan.KindApt && !strings.Contains(msg, "fix: ") {
				t.Errorf("an unknown apt package has a known fix:\n%s", msg)
			}
		}
	}
}

func TestExplainKeepsStdoutWhenStderrIsEmpty(t *testing.T) {
	err := Explain(&dagger.ExecError{Cmd: []string{"x"}, ExitCode: 1, Stdout: "only stdout"}, testPlan(t))
	var layerErr *LayerError
	if !errors.As(err, &layerErr) || layerErr.StderrTail != "only stdout" || layerErr.Kind != plan.KindUnknown {
		t.Errorf("Explain = %#v, want the stdout as the tail and an unknown layer", err)
	}
}

func TestExplainPassesOtherErrorsThrough(t *testing.T) {
	cause := errors.New("engine went away")
	err := Explain(cause, testPlan(t))
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), "building image") {
		t.Errorf("Explain = %v, want the cause wrapped with context", err)
	}
}

func TestExplainSaysWhenTheEngineWentAway(t *testing.T) {
	err := Explain(errors.New("returned error 502: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"), testPlan(t))
	if !strings.Contains(err.Error(), "the engine stopped answering") {
		t.Errorf("Explain = %v, want the engine named as the cause", err)
	}
	if err := Explain(errors.New("resolving parent: not found"), testPlan(t)); strings.Contains(err.Error(), "engine stopped") {
		t.Errorf("Explain = %v: a missing image is not a lost engine", err)
	}
}
