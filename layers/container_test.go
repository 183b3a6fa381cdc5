package layers

import (
	"maps"
	"testing"

	"dagger/stepimage/plan"
)

func TestImageLabelsAddTheDigestsTheBuildKnows(t *testing.T) {
	planned := map[string]string{plan.LabelSteps: "train"}
	got := imageLabels(planned, "sha256:content", "sha256:base")
	want := map[string]string{plan.LabelSteps: "train", plan.LabelContentDigest: "sha256:content", plan.LabelBaseDigest: "sha256:base"}
	if !maps.Equal(got, want) {
		t.Errorf("imageLabels = %v, want %v", got, want)
	}
	if len(planned) != 1 {
		t.Errorf("imageLabels changed the plan's labels: %v", planned)
	}
	if got := imageLabels(nil, "sha256:c", ""); !maps.Equal(got, map[string]string{plan.LabelContentDigest: "sha256:c"}) {
		t.Errorf("a Dockerfile parent has no base digest: got %v", got)
	}
}
