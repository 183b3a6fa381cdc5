package zenmldiff

import (
	"slices"
	"strings"
)

// Differences are the kinds of undocumented difference the test has seen, each with a rewrite
// like a Deviation's. They are not deviations: an image that needs one is still a failure. They
// only name what is wrong, so that the report can count images per kind; whatever none of them
// explains is "unclassified".
var Differences = []Deviation{
	{
		ID:          "default-parent",
		Description: "the default parent is python:3.11-slim, without ZenML; ZenML's is zenmldocker/zenml:<version>-py<python>, which has ZenML installed",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if len(zen) == 0 || len(step) == 0 || zen[0].Cmd != "FROM" || step[0].Cmd != "FROM" || len(zen[0].Args) == 0 ||
				!strings.HasPrefix(zen[0].Args[0], "zenmldocker/zenml:") || zen[0].Equal(step[0]) {
				return zen, step, false
			}
			step = slices.Clone(step)
			step[0] = zen[0]
			return zen, step, true
		},
	},
	{
		ID: "dockerfile-parent",
		Description: "with dockerfile, the rendering builds the parent as ARG PARENT / FROM ${PARENT}; ZenML builds " +
			"the Dockerfile as an intermediate image and writes FROM <that image>",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			i := slices.IndexFunc(step, func(in Instruction) bool { return in.Cmd == "FROM" && slices.Contains(in.Args, "${PARENT}") })
			if i < 0 || len(zen) == 0 || zen[0].Cmd != "FROM" {
				return zen, step, false
			}
			step = slices.Clone(step)
			step[i] = zen[0]
			step = slices.DeleteFunc(step, func(in Instruction) bool { return in.Cmd == "ARG" && slices.Contains(in.Args, "PARENT") })
			return zen, step, true
		},
	},
	{
		ID: "no-build-when-code-downloaded",
		Description: "with nothing to install and the code downloaded at run time (ZenML's default: " +
			"allow_download_from_artifact_store), ZenML builds no image and runs the parent as it is; stepimage builds one with the code",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if len(zen) != 1 || zen[0].Cmd != "FROM" || len(step) <= 1 || !step[0].Equal(zen[0]) {
				return zen, step, false
			}
			return zen, step[:1], true
		},
	},
	{
		ID:          "build-args",
		Description: "ZenML declares ARG KEY for each build_config.build_options build arg, after WORKDIR; stepimage writes no ARG",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if slices.ContainsFunc(step, func(in Instruction) bool { return in.Cmd == "ARG" }) {
				return zen, step, false
			}
			zen, matched := dropInstructions(zen, func(in Instruction) bool { return in.Cmd == "ARG" })
			return zen, step, matched
		},
	},
	{
		ID:          "zenml-env",
		Description: "ZenML sets ENV ZENML_ENABLE_REPO_INIT_WARNINGS=False and ZENML_CONFIG_PATH=/app/.zenconfig after the installs; stepimage does not",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			isZenMLEnv := func(in Instruction) bool {
				return in.Cmd == "ENV" && len(in.Args) == 2 &&
					(in.Args[0] == "ZENML_ENABLE_REPO_INIT_WARNINGS" || in.Args[0] == "ZENML_CONFIG_PATH")
			}
			if slices.ContainsFunc(step, isZenMLEnv) {
				return zen, step, false
			}
			zen, matched := dropInstructions(zen, isZenMLEnv)
			return zen, step, matched
		},
	},
	{
		ID:          "chmod",
		Description: "ZenML runs `chmod -R a+rw .` after COPY . . (any user can write /app); stepimage does not",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			isChmod := func(in Instruction) bool {
				return in.Cmd == "RUN" && slices.Equal(in.Args, []string{"chmod", "-R", "a+rw", "."})
			}
			if slices.ContainsFunc(step, isChmod) {
				return zen, step, false
			}
			zen, matched := dropInstructions(zen, isChmod)
			return zen, step, matched
		},
	},
	{
		ID:          "uv-without-installs",
		Description: "ZenML installs uv whenever it builds with the uv installer, even with nothing to install; stepimage only when something is installed",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			isUV := func(in Instruction) bool {
				return in.Cmd == "RUN" && slices.Equal(in.Args, []string{"pip", "install", "uv"})
			}
			if slices.ContainsFunc(step, isUV) {
				return zen, step, false
			}
			zen, matched := dropInstructions(zen, isUV)
			return zen, step, matched
		},
	},
	{
		ID:          "env-order",
		Description: "ENV lines are sorted by key; ZenML keeps the order of the file",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			return reorderRuns(zen, step, func(in Instruction) bool { return in.Cmd == "ENV" })
		},
	},
	{
		ID:          "apt-order",
		Description: "apt packages are sorted and deduplicated; ZenML installs them in the order written (user's, then integrations')",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			matched := false
			for _, z := range zen {
				if !isAptInstall(z) {
					continue
				}
				for j, s := range step {
					if !isAptInstall(s) || z.Equal(s) {
						continue
					}
					zp, sp := aptPackages(z), aptPackages(s)
					slices.Sort(zp)
					if slices.Equal(slices.Compact(zp), sp) {
						step = slices.Clone(step)
						step[j] = z
						matched = true
					}
				}
			}
			return zen, step, matched
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
