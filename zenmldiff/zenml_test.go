//go:build zenml

package zenmldiff

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// oracleEnv names the JSON written by hack/zenml/dockerfiles.py (hack/zenml/difftest.sh sets it).
const oracleEnv = "STEPIMAGE_ZENML_DOCKERFILES"

// TestZenMLDockerfiles renders stepimage's Dockerfile of every image ZenML built (or refused)
// and compares them instruction by instruction. It fails on any difference that the deviation
// table does not document, and on any verdict ZenML and stepimage disagree on.
func TestZenMLDockerfiles(t *testing.T) {
	path := os.Getenv(oracleEnv)
	if path == "" {
		t.Fatalf("%s is not set: run hack/zenml/difftest.sh, which makes ZenML write its Dockerfiles and points %s at them", oracleEnv, oracleEnv)
	}
	oracle, err := ReadOracle(path)
	if err != nil {
		t.Fatal(err)
	}
	if oracle.ZenMLVersion != plan.ZenMLVersion {
		t.Errorf("the Dockerfiles come from zenml==%s but plan's integration catalogue from zenml==%s: regenerate one of them",
			oracle.ZenMLVersion, plan.ZenMLVersion)
	}
	if len(oracle.Configs) == 0 {
		t.Fatalf("%s holds no configuration", path)
	}

	var (
		images, agree, identical, apart int
		byOutcome                       = map[Outcome]int{}
		byClass                         = map[string][]string{}
		byDeviation                     = map[string]int{}
		report                          strings.Builder
	)
	record := func(label string, res Result) {
		images++
		byOutcome[res.Outcome]++
		switch res.Outcome {
		case Identical:
			identical++
		case ApartFromDocument:
			apart++
		}
		if res.Outcome.Agrees() {
			agree++
		}
		for _, id := range res.Deviations {
			byDeviation[id]++
		}
		for _, c := range res.Classes {
			byClass[c] = append(byClass[c], label)
		}
	}

	for _, c := range oracle.Configs {
		data, err := os.ReadFile(c.AbsPath)
		if err != nil {
			t.Fatalf("reading %s: %v", c.Path, err)
		}
		vars := settings.Vars{Values: c.Vars}
		sourceDir := filepath.Dir(c.AbsPath)
		if len(c.StubbedFiles) > 0 {
			sourceDir = "" // ZenML saw placeholders for them: do not check files either
		}
		render := func(step string) Rendering { return Render(c.Path, data, step, vars, sourceDir) }

		if c.Error != "" {
			// ZenML refused the whole configuration: stepimage must refuse some image of it.
			res := Result{Outcome: OnlyZenMLRefuses, Classes: []string{"verdict"}}
			if id := MatchVerdict(Verdicts{ZenMLError: c.Error, ZenMLScope: c.ErrorScope, ZenMLFields: oracle.DockerSettingsFields, Stepimage: render("")}); id != "" {
				res = Result{Outcome: VerdictApart, Deviations: []string{id}}
			}
			var why string
			for _, step := range append([]string{""}, c.Steps...) {
				if r := render(step); r.Refuses() {
					res = Result{Outcome: BothRefuse}
					why = fmt.Sprint(r.Err, r.Warnings)
					break
				}
			}
			record(c.Path, res)
			fmt.Fprintf(&report, "%s: %s", c.Path, res.Outcome)
			if len(res.Deviations) > 0 {
				fmt.Fprintf(&report, " [%s]", strings.Join(res.Deviations, ", "))
			}
			fmt.Fprintf(&report, "\n    ZenML (%s): %s\n", c.ErrorScope, firstLine(c.Error))
			if why != "" {
				fmt.Fprintf(&report, "    stepimage: %s\n", firstLine(why))
			}
			if !res.Outcome.Agrees() {
				t.Errorf("%s: ZenML refuses the configuration (%s), stepimage renders every image", c.Path, firstLine(c.Error))
			}
			continue
		}

		// Which steps get an image of their own must agree too.
		if own, err := Images(c.Path, data, vars); err == nil {
			for _, img := range c.Images {
				// A step the configuration does not list (the harness adds one) is ZenML's
				// business alone: stepimage gives it the pipeline's settings, with a warning.
				if img.Step != "" && slices.Contains(c.Steps, img.Step) && !own[img.Step] {
					t.Errorf("%s: ZenML builds step %s an image of its own (its merged settings differ from the pipeline's); stepimage gives it the pipeline's", c.Path, img.Step)
					byClass["grouping"] = append(byClass["grouping"], c.Path+" ["+img.Step+"]")
				}
			}
			for _, step := range c.Steps {
				zenOwn := slices.ContainsFunc(c.Images, func(img OracleImage) bool { return img.Step == step })
				if own[step] && !zenOwn {
					t.Errorf("%s: stepimage builds step %s an image of its own; ZenML gives it the pipeline's", c.Path, step)
					byClass["grouping"] = append(byClass["grouping"], c.Path+" ["+step+"]")
				}
			}
		}

		for _, img := range c.Images {
			label := c.Path
			if img.Step != "" {
				label += " [" + img.Step + "]"
			}
			r := render(img.Step)
			res, err := Compare(img, r, oracle.DockerSettingsFields)
			if err != nil {
				t.Errorf("%s: %v", label, err)
				record(label, Result{Outcome: Different, Classes: []string{"unparsable"}})
				continue
			}
			record(label, res)
			fmt.Fprintf(&report, "%s: %s", label, res.Outcome)
			if len(res.Deviations) > 0 {
				fmt.Fprintf(&report, " [%s]", strings.Join(res.Deviations, ", "))
			}
			if len(res.Classes) > 0 {
				fmt.Fprintf(&report, " {%s}", strings.Join(res.Classes, ", "))
			}
			report.WriteString("\n")
			switch res.Outcome {
			case Different:
				t.Errorf("%s: stepimage's Dockerfile differs from ZenML's beyond the documented deviations (%s):\n%s%s",
					label, strings.Join(res.Classes, ", "), res.Diff, strings.Join(res.FileDiffs, ""))
			case OnlyZenMLRefuses:
				fmt.Fprintf(&report, "    ZenML: %s\n", firstLine(img.Error))
				t.Errorf("%s: ZenML refuses to build it (%s); stepimage renders it", label, firstLine(img.Error))
			case OnlyStepRefuses:
				why := fmt.Sprint(r.Err, r.Warnings)
				fmt.Fprintf(&report, "    stepimage: %s\n", firstLine(why))
				t.Errorf("%s: stepimage refuses it (%s); ZenML builds it", label, firstLine(why))
			case VerdictApart:
				fmt.Fprintf(&report, "    ZenML: %s\n    stepimage: %s\n", firstLine(img.Error), firstLine(fmt.Sprint(r.Err, r.Warnings)))
			case BothRefuse:
				fmt.Fprintf(&report, "    ZenML: %s\n    stepimage: %s\n", firstLine(img.Error), firstLine(fmt.Sprint(r.Err, r.Warnings)))
			}
		}
	}

	// Printed, not logged: the per-image verdicts and the figure are the point of a passing run too.
	fmt.Printf("per image:\n%s", report.String())
	var summary strings.Builder
	// Agreeing images: Dockerfiles identical (outright or apart from documented deviations),
	// refused by both, or accepted by one as a documented verdict deviation.
	fmt.Fprintf(&summary, "%d of %d identical (apart from documented deviations): Dockerfiles %d identical outright, %d apart from deviations, %d different; verdicts %d refused by both, %d differing as documented, %d undocumented\n",
		agree, images, identical, apart, byOutcome[Different], byOutcome[BothRefuse], byOutcome[VerdictApart],
		byOutcome[OnlyZenMLRefuses]+byOutcome[OnlyStepRefuses])
	for _, o := range []Outcome{Identical, ApartFromDocument, Different, BothRefuse, VerdictApart, OnlyZenMLRefuses, OnlyStepRefuses} {
		fmt.Fprintf(&summary, "  %-45s %d\n", o, byOutcome[o])
	}
	summary.WriteString("documented deviations used (images):\n")
	for _, d := range Deviations {
		fmt.Fprintf(&summary, "  %-24s %3d  %s\n", d.ID, byDeviation[d.ID], d.Description)
	}
	for _, d := range VerdictDeviations {
		fmt.Fprintf(&summary, "  %-24s %3d  (verdict) %s\n", d.ID, byDeviation[d.ID], d.Description)
	}
	if len(byClass) > 0 {
		summary.WriteString("undocumented differences (images; first example):\n")
		for _, id := range slices.Sorted(maps.Keys(byClass)) {
			fmt.Fprintf(&summary, "  %-28s %3d  e.g. %s\n", id, len(byClass[id]), byClass[id][0])
		}
	}
	fmt.Print(summary.String())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
