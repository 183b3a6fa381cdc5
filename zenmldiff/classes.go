package zenmldiff

import (
	"slices"
)

// Differences are the kinds of undocumented difference the test has seen, each with a rewrite
// like a Deviation's. They are not deviations: an image that needs one is still a failure. They
// only name what is wrong, so that the report can count images per kind; whatever none of them
// explains is "unclassified".
var Differences = []Deviation{}

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
