package plan

import (
	"slices"
	"strings"
	"testing"
)

func TestResolveIntegrationsUnknownListsKnownNamesSorted(t *testing.T) {
	_, _, _, err := resolveIntegrations([]string{"pytorch", "does-not-exist"}, false)
	if err == nil {
		t.Fatal("want an error for an unknown integration")
	}
	known := strings.Join(integrationNames(), ", ")
	if !strings.Contains(err.Error(), `unknown integration "does-not-exist"; known: `+known) {
		t.Errorf("error %q should name the integration and list the known names %q", err, known)
	}
	if !slices.IsSorted(integrationNames()) || len(integrationNames()) != len(Integrations) {
		t.Errorf("integrationNames() = %v: want every name, sorted", integrationNames())
	}
}

func TestResolveIntegrations(t *testing.T) {
	tests := []struct {
		name         string
		names        []string
		lenient      bool
		wantReqs     []string
		wantApt      []string
		wantWarnings []string // fragments, one per warning
		wantErr      bool
	}{
		{name: "none", names: nil},
		{name: "keeps the table's order, integration by integration", names: []string{"s3", "lightgbm"},
			wantReqs: []string{"s3fs>2022.3.0,!=2025.3.1", "boto3", "aws-profile-manager", "lightgbm>=1.0.0"}, wantApt: []string{"libgomp1"}},
		{name: "upper case and hyphens normalised", names: []string{"Great-Expectations", "PYTORCH"},
			wantReqs: []string{"great-expectations>=0.17.15,<1.0; python_version < '3.14'", "pandas>=2.0.0", "torch"}},
		{name: "strict unknown is an error", names: []string{"sklearn", "nope"}, wantErr: true},
		{name: "lenient unknown is a warning and the rest still resolves", names: []string{"nope", "sklearn", "also-nope"}, lenient: true,
			wantReqs: []string{"scikit-learn"}, wantWarnings: []string{`"nope"`, `"also-nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reqs, apt, warnings, err := resolveIntegrations(tc.names, tc.lenient)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got requirements %q", reqs)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			wantArgv(t, "requirements", reqs, tc.wantReqs)
			wantArgv(t, "apt packages", apt, tc.wantApt)
			if len(warnings) != len(tc.wantWarnings) {
				t.Fatalf("warnings = %q, want %d", warnings, len(tc.wantWarnings))
			}
			for i, fragment := range tc.wantWarnings {
				if !strings.Contains(warnings[i], fragment) || !strings.Contains(warnings[i], "known: ") {
					t.Errorf("warning %q should name %s and list the known integrations", warnings[i], fragment)
				}
			}
		})
	}
}

func TestIntegrationsTableIsWellFormed(t *testing.T) {
	for name, integration := range Integrations {
		// Lookups lower-case the user's name and turn "-" into "_": any other key is unreachable.
		if name != strings.ToLower(strings.ReplaceAll(name, "-", "_")) {
			t.Errorf("integration %q can never be looked up (keys must be lower case, with _ not -)", name)
		}
		for _, pkg := range append(append([]string{}, integration.Requirements...), integration.AptPackages...) {
			// Spaces are allowed: ZenML's requirements carry environment markers ("; python_version < '3.14'").
			if pkg == "" || strings.TrimSpace(pkg) != pkg || strings.ContainsAny(pkg, "\n") {
				t.Errorf("integration %q: malformed package %q", name, pkg)
			}
		}
	}
	for _, name := range []string{"sklearn", "pandas", "pytorch", "tensorflow", "huggingface", "mlflow", "xgboost",
		"lightgbm", "wandb", "s3", "gcp", "azure", "kubernetes", "evidently"} {
		if _, ok := Integrations[name]; !ok {
			t.Errorf("common ZenML integration %q is missing from the table", name)
		}
	}
}
