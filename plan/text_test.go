package plan

import (
	"fmt"
	"strings"
	"testing"
)

func TestStringMentionsEveryLayer(t *testing.T) {
	p := mustBuild(t, fullResolved(), fullInputs())
	s := p.String()
	if !strings.HasPrefix(s, "image for step(s): evaluate, train\n") {
		t.Errorf("String() should start with the steps:\n%s", s)
	}
	for i, l := range p.Layers {
		header := fmt.Sprintf("%2d. %-24s %s\n", i+1, l.Kind, l.Summary)
		if !strings.Contains(s, header) {
			t.Errorf("String() lacks the line for layer %d (%s): %q", i+1, l.Kind, header)
		}
	}
	if got, want := strings.Count(s, "reruns when: "), len(p.Layers); got != want {
		t.Errorf("String() has %d 'reruns when' lines, want one per layer (%d):\n%s", got, want, s)
	}
	for _, kind := range []Kind{KindParent, KindBuildEnv, KindApt, KindInstaller, KindLocalEnv, KindStack, KindIntegrations,
		KindPyproject, KindRequirements, KindCode, KindLocalInstall, KindUser, KindRuntimeEnv, KindLabels} {
		if !strings.Contains(s, string(kind)) {
			t.Errorf("String() does not mention %s", kind)
		}
	}
	for _, want := range []string{
		"$ pip install --cache-dir=/var/cache/stepimage/pip " + UVRequirement,
		"$ uv pip install --system --system-certs --cache-dir=/var/cache/stepimage/uv --link-mode=copy -r /run/stepimage/requirements.txt",
		"$ UV_SYSTEM_CERTS=1 pip install -e '.[train]'",
		"$ apt-get update && apt-get install -y --no-install-recommends git curl",
		"$ chown -R app .",
		"reruns when: runtime_environment (no install reruns)",
		"reruns when: stack requirements passed by the caller; python_package_installer(_args)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	// The apt command is a script with positional arguments; its summary says it all.
	if strings.Contains(s, "stepimage-apt") {
		t.Errorf("String() shows the apt script:\n%s", s)
	}
	if strings.Contains(s, "warning:") {
		t.Errorf("a plan without warnings shows one:\n%s", s)
	}
}

func TestStringWithoutSteps(t *testing.T) {
	r := minimalResolved()
	s := mustBuild(t, r, Inputs{}).String()
	if strings.Contains(s, "image for step(s)") {
		t.Errorf("no steps, but String() names some:\n%s", s)
	}
	if !strings.HasPrefix(s, " 1. parent ") || !strings.Contains(s, " 3. labels ") {
		t.Errorf("String() of a minimal plan:\n%s", s)
	}
}

func TestStringSkipBuild(t *testing.T) {
	r := fullResolved()
	r.SkipBuild = true
	s := mustBuild(t, r, fullInputs()).String()
	if strings.Count(s, "reruns when: ") != 1 || !strings.Contains(s, "skip_build") {
		t.Errorf("skip_build plan should be a single parent layer:\n%s", s)
	}
}
