package plan

import "strings"

// addApt installs the apt packages: the user's, then the integrations', in that order, as
// ZenML writes them.
func (p *Plan) addApt(packages []string, indexKey string) {
	if len(packages) == 0 {
		return
	}
	p.add(Layer{Kind: KindApt, Packages: packages, Execs: []Exec{aptExec(indexKey, packages)},
		Summary:       "apt-get install " + strings.Join(packages, " ") + " (package index refreshed periodically, archives in a cache volume)",
		InvalidatedBy: []string{"apt_packages", "required_integrations (apt)", "index refresh period"}})
}

// aptExec runs ZenML's update and install in one exec, with the archives and lists in locked
// cache volumes: apt cannot share them between concurrent builds, and neither belongs in the
// image. Package names travel as arguments to a fixed script, never spliced into it. The index
// key rides in $0, which the script ignores: a new refresh period is a new cache key, and the
// image's environment is untouched.
func aptExec(indexKey string, packages []string) Exec {
	if indexKey == "" {
		indexKey = "none"
	}
	script := `apt-get update && apt-get install -y --no-install-recommends "$@"`
	return Exec{
		Argv: append([]string{"sh", "-c", script, "apt-index-" + indexKey}, packages...),
		Mounts: []Mount{
			{Kind: MountCache, Volume: AptArchivesVolume, Target: "/var/cache/apt/archives", Locked: true},
			{Kind: MountCache, Volume: AptListsVolume, Target: "/var/lib/apt/lists", Locked: true},
		},
	}
}
