package zenmldiff

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Outcome is how stepimage's rendering of one image compares with ZenML's.
type Outcome string

// The outcomes; only the first three involve two Dockerfiles.
const (
	Identical         Outcome = "identical"
	ApartFromDocument Outcome = "identical apart from documented deviations"
	Different         Outcome = "different"
	BothRefuse        Outcome = "both refuse"
	VerdictApart      Outcome = "verdicts differ as documented"
	OnlyZenMLRefuses  Outcome = "ZenML refuses, stepimage does not"
	OnlyStepRefuses   Outcome = "stepimage refuses, ZenML does not"
)

// Agrees reports whether the outcome needs no fix.
func (o Outcome) Agrees() bool {
	return o == Identical || o == ApartFromDocument || o == BothRefuse || o == VerdictApart
}

// VerdictDeviation is a documented, deliberate disagreement on whether a configuration is
// accepted.
type VerdictDeviation struct {
	ID          string
	Description string
	// Match reports whether the deviation explains the disagreement.
	Match func(v Verdicts) bool
}

// Verdicts are the two sides of a disagreement.
type Verdicts struct {
	// ZenMLError is ZenML's refusal ("" when ZenML accepts), ZenMLScope what it is about
	// ("docker" or "run-config").
	ZenMLError, ZenMLScope string
	// ZenMLFields are the fields of ZenML's DockerSettings.
	ZenMLFields []string
	Stepimage   Rendering
}

var unknownDockerField = regexp.MustCompile(`settings\.docker\.([A-Za-z0-9_]+): unknown field`)

// VerdictDeviations are the documented verdict disagreements.
var VerdictDeviations = []VerdictDeviation{
	{
		ID: "non-image-fields",
		Description: "stepimage ignores the fields of a run configuration that do not concern images (parameters, build, " +
			"execution_mode, steps without settings...); ZenML refuses invalid ones",
		Match: func(v Verdicts) bool {
			return v.ZenMLError != "" && v.ZenMLScope == "run-config" && !v.Stepimage.Refuses()
		},
	},
	{
		ID: "unknown-docker-field",
		Description: "a field DockerSettings does not have, in a settings.docker block, is an error naming the closest " +
			"valid field; ZenML ignores it with a warning (extra=\"ignore\")",
		Match: func(v Verdicts) bool {
			if v.ZenMLError != "" || v.Stepimage.Err == nil {
				return false
			}
			m := unknownDockerField.FindStringSubmatch(v.Stepimage.Err.Error())
			// A field ZenML has and stepimage lacks is a gap, not this deviation.
			return m != nil && len(v.ZenMLFields) > 0 && !slices.Contains(v.ZenMLFields, m[1])
		},
	},
}

// MatchVerdict returns the ID of the verdict deviation that explains a disagreement, or "".
func MatchVerdict(v Verdicts) string {
	for _, d := range VerdictDeviations {
		if d.Match(v) {
			return d.ID
		}
	}
	return ""
}

// Result is the comparison of one image.
type Result struct {
	Outcome Outcome
	// Deviations are the IDs of the documented deviations that were needed.
	Deviations []string
	// Diff is a unified diff of the normalised Dockerfiles after the deviations (Different).
	Diff string
	// FileDiffs describe requirement files whose contents differ.
	FileDiffs []string
	// Classes name what differs beyond the documented deviations: the verdict, the
	// Dockerfile, the requirement files' contents.
	Classes []string
}

// Compare compares ZenML's image with stepimage's rendering of it; zenmlFields are the fields of
// ZenML's DockerSettings.
func Compare(img OracleImage, r Rendering, zenmlFields []string) (Result, error) {
	zenRefuses, stepRefuses := img.Error != "", r.Refuses()
	switch {
	case zenRefuses && stepRefuses:
		return Result{Outcome: BothRefuse}, nil
	case zenRefuses || stepRefuses:
		if id := MatchVerdict(Verdicts{ZenMLError: img.Error, ZenMLScope: "docker", ZenMLFields: zenmlFields, Stepimage: r}); id != "" {
			return Result{Outcome: VerdictApart, Deviations: []string{id}}, nil
		}
		if zenRefuses {
			return Result{Outcome: OnlyZenMLRefuses, Classes: []string{"verdict"}}, nil
		}
		return Result{Outcome: OnlyStepRefuses, Classes: []string{"verdict"}}, nil
	}
	zen, zenQuoting, err := parseZenML(img.ZenMLDockerfile())
	if err != nil {
		return Result{}, fmt.Errorf("ZenML's Dockerfile: %w", err)
	}
	step, err := Parse(r.Dockerfile)
	if err != nil {
		return Result{}, fmt.Errorf("stepimage's Dockerfile: %w", err)
	}
	res := Result{FileDiffs: compareFiles(img.Files, r.Files)}
	if Equal(zen, step) && len(res.FileDiffs) == 0 {
		res.Outcome = Identical
		return res, nil
	}
	zen, step, res.Deviations = ApplyDeviations(Context{Resolved: r.Resolved}, zen, step)
	if zenQuoting {
		res.Deviations = append([]string{EnvQuoting.ID}, res.Deviations...)
	}
	if Equal(zen, step) && len(res.FileDiffs) == 0 {
		res.Outcome = ApartFromDocument
		return res, nil
	}
	res.Outcome = Different
	res.Diff = UnifiedDiff("zenml", "stepimage", Lines(zen), Lines(step))
	if !Equal(zen, step) {
		res.Classes = append(res.Classes, "dockerfile")
	}
	if len(res.FileDiffs) > 0 {
		res.Classes = append(res.Classes, "requirement-file-contents")
	}
	return res, nil
}

// EnvQuoting is the deviation parseZenML documents.
var EnvQuoting = Deviation{
	ID: "env-quoting",
	Description: "ENV values are double-quoted with \\, \", $ escaped; ZenML writes KEY='value' unescaped, which " +
		"Docker cannot parse when the value holds a single quote (compared as the value ZenML meant)",
}

var zenmlEnv = regexp.MustCompile(`^ENV ([^=\s]+)='(.*)'$`)

// parseZenML parses ZenML's Dockerfile. An ENV line that ZenML's unescaped single quotes made
// unparsable is read as the value ZenML meant, and reported.
func parseZenML(text string) ([]Instruction, bool, error) {
	ins, err := Parse(text)
	if err == nil {
		return ins, false, nil
	}
	lines := strings.Split(text, "\n")
	fixed := false
	for i, line := range lines {
		m := zenmlEnv.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, err := Parse(line); err != nil {
			lines[i] = "ENV " + m[1] + "=" + `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`).Replace(m[2]) + `"`
			fixed = true
		}
	}
	if !fixed {
		return nil, false, err
	}
	ins, err = Parse(strings.Join(lines, "\n"))
	return ins, true, err
}

// compareFiles compares the requirement files both generated for the same source (a user's
// requirements file is copied as it is by stepimage: nothing to compare).
func compareFiles(zen, step map[string]string) []string {
	var diffs []string
	for name, contents := range step {
		zenName := requirementFiles[path.Base(name)]
		zenContents, ok := zen[zenName]
		if zenName == "" || !ok {
			continue
		}
		a, b := requirementLines(zenContents), requirementLines(contents)
		if !slices.Equal(a, b) {
			diffs = append(diffs, UnifiedDiff("zenml "+zenName, "stepimage "+name, a, b))
		}
	}
	slices.Sort(diffs)
	return diffs
}

func requirementLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
