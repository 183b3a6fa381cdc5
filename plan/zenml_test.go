package plan

import (
	"strings"
	"testing"
)

// TestZenMLLayer: on the default parent, zenml is installed first, as ZenML's default parent
// image carries it; a parent the user chose (or a Dockerfile) is used as ZenML would.
func TestZenMLLayer(t *testing.T) {
	r := minimalResolved()
	r.ParentImageIsDefault = true
	l := mustFind(t, mustBuild(t, r, Inputs{}), KindZenML)
	wantArgv(t, "zenml requirement", l.Packages, []string{"zenml==" + ZenMLVersion})
	l = mustFind(t, mustBuild(t, r, Inputs{ZenMLVersion: "0.90.1"}), KindZenML)
	wantArgv(t, "chosen zenml requirement", l.Packages, []string{"zenml==0.90.1"})

	r.ParentImageIsDefault = false
	wantNoLayer(t, mustBuild(t, r, Inputs{}), KindZenML)
	r.ParentImageIsDefault, r.ParentImage, r.Dockerfile = true, "", "Dockerfile"
	wantNoLayer(t, mustBuild(t, r, Inputs{}), KindZenML)
}

func TestIsZenMLVersion(t *testing.T) {
	for v, want := range map[string]bool{"0.98.0": true, "1.0.0rc1": true, "0.90.1.post2": true, "0.98": true,
		"": false, "latest": false, "0.98.0; sys_platform": false, "0.98.0 -r x": false, ">=0.9": false} {
		if got := IsZenMLVersion(v); got != want {
			t.Errorf("IsZenMLVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestWarnsWhenACustomParentLacksZenML(t *testing.T) {
	r := minimalResolved()
	r.ParentImage = "python:3.12-slim"
	if p := mustBuild(t, r, Inputs{}); len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "zenml==") {
		t.Errorf("warnings = %q, want one naming zenml==", p.Warnings)
	}
	r.Requirements = []string{"zenml[server]==0.98.0"}
	if p := mustBuild(t, r, Inputs{}); len(p.Warnings) != 0 {
		t.Errorf("zenml is in the requirements: warnings = %q", p.Warnings)
	}
	r.Requirements, r.ParentImage = nil, "zenmldocker/zenml:0.98.0-py3.11"
	if p := mustBuild(t, r, Inputs{}); len(p.Warnings) != 0 {
		t.Errorf("a ZenML parent: warnings = %q", p.Warnings)
	}
}
