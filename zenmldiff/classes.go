package zenmldiff

import (
	"slices"
)

// Differences are the kinds of undocumented difference the test has seen, each with a rewrite
// like a Deviation's. They are not deviations: an image that needs one is still a failure. They
// only name what is wrong, so that the report can count images per kind; whatever none of them
// explains is "unclassified".
var Differences = []Deviation{
	{
		ID:          "env-order",
		Description: "ENV lines are sorted by key; ZenML keeps the order of the file",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			return reorderRuns(zen, step, func(in Instruction) bool { return in.Cmd == "ENV" })
		},
	},
	{
		ID: "step-level-null",
		Description: "ZenML's merge drops null values set at step level (dict_utils.recursive_update(ignore_none=True)), " +
			"e.g. python_package_installer_args: {system: null} on a step loses --system; stepimage keeps them",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if slices.ContainsFunc(zen, func(in Instruction) bool { return slices.Contains(in.Args, "--system") }) {
				return zen, step, false
			}
			matched := false
			step = mapInstructions(step, func(in Instruction) Instruction {
				if in.Cmd == "RUN" && installCommand(in.Args) == "uv pip install" && slices.Contains(in.Args, "-r") {
					n := len(in.Args)
					in.Args = slices.DeleteFunc(slices.Clone(in.Args), func(a string) bool { return a == "--system" })
					matched = matched || len(in.Args) != n
				}
				return in
			})
			return zen, step, matched
		},
	},
}

// Classify names the kinds of undocumented difference between two renderings (after the
// deviations), "unclassified" for what no kind explains.
func Classify(zen, step []Instruction) []string {
	var ids []string
	for _, d := range Differences {
		var matched bool
		zen, step, matched = d.Apply(Context{}, zen, step)
		if matched {
			ids = append(ids, d.ID)
		}
	}
	if !Equal(zen, step) {
		ids = append(ids, "unclassified")
	}
	return ids
}

func isAptInstall(in Instruction) bool {
	return in.Cmd == "RUN" && slices.Contains(in.Args, "apt-get") && slices.Contains(in.Args, "--no-install-recommends")
}

func aptPackages(in Instruction) []string {
	i := slices.Index(in.Args, "--no-install-recommends")
	return slices.Clone(in.Args[i+1:])
}

// reorderRuns makes stepimage's consecutive runs of matching instructions follow ZenML's order
// when both hold the same instructions.
func reorderRuns(zen, step []Instruction, match func(Instruction) bool) ([]Instruction, []Instruction, bool) {
	zenRuns, stepRuns := runs(zen, match), runs(step, match)
	if len(zenRuns) != len(stepRuns) {
		return zen, step, false
	}
	matched := false
	step = slices.Clone(step)
	for k := range zenRuns {
		z, s := zen[zenRuns[k][0]:zenRuns[k][1]], step[stepRuns[k][0]:stepRuns[k][1]]
		if Equal(z, s) || !sameSet(z, s) {
			continue
		}
		copy(step[stepRuns[k][0]:stepRuns[k][1]], z)
		matched = true
	}
	return zen, step, matched
}

// runs returns the [start, end) ranges of consecutive matching instructions.
func runs(ins []Instruction, match func(Instruction) bool) [][2]int {
	var out [][2]int
	for i := 0; i < len(ins); i++ {
		if !match(ins[i]) {
			continue
		}
		j := i
		for j < len(ins) && match(ins[j]) {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

func sameSet(a, b []Instruction) bool {
	la, lb := Lines(a), Lines(b)
	slices.Sort(la)
	slices.Sort(lb)
	return slices.Equal(la, lb)
}
