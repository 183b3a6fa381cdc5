package plan

import (
	"fmt"
	"slices"
	"strings"
)

// String renders the plan for people: one numbered line per layer with what it does and what
// reruns it.
func (p *Plan) String() string {
	var b strings.Builder
	if len(p.Settings.Steps) > 0 {
		fmt.Fprintf(&b, "image for step(s): %s\n", strings.Join(p.Settings.Steps, ", "))
	}
	switch {
	case p.LayoutReason != "":
		fmt.Fprintf(&b, "layout: %s, because %s\n", p.Layout, p.LayoutReason)
	case p.Find(KindPackages) != nil:
		fmt.Fprintf(&b, "layout: %s\n", p.Layout)
	}
	for i, layer := range p.Layers {
		summary := layer.Summary
		if layer.BesideInstalls {
			summary += "; runs beside the installs, merged after them"
		}
		fmt.Fprintf(&b, "%2d. %-24s %s\n", i+1, layer.Kind, summary)
		if layer.Kind == KindPackages {
			p.packagesText(&b, layer)
		} else {
			for _, exec := range layer.Execs {
				fmt.Fprintf(&b, "    %-24s $ %s\n", "", exec.shell())
			}
		}
		fmt.Fprintf(&b, "    %-24s reruns when: %s\n", "", strings.Join(layer.InvalidatedBy, "; "))
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

// packagesText shows a layered install as what it runs: the sources' installs on the throwaway
// copy (the resolve; its driver script is in the JSON plan), then one install per bucket.
func (p *Plan) packagesText(b *strings.Builder, layer Layer) {
	for _, exec := range layer.Execs {
		if !slices.Contains(exec.Argv, resolveScriptFile) {
			fmt.Fprintf(b, "    %-24s $ %s\n", "resolve, on a copy:", exec.shell())
		}
	}
	for i, source := range layer.Sources {
		install := source.Execs[len(source.Execs)-1]
		if dry := dryRunOf(install.Argv); i == len(layer.Sources)-1 && dry != nil {
			install.Argv = dry
		} else {
			install.Argv = withLinkMode(install.Argv, "symlink")
		}
		fmt.Fprintf(b, "    %-24s %s: %s\n", "", source.Kind, source.Summary)
		fmt.Fprintf(b, "    %-24s $ %s\n", "resolve, on a copy:", install.shell())
	}
	bucket := p.bucketExec(nil, []string{"NAME==VERSION..."})
	fmt.Fprintf(b, "    %-24s $ %s\n", "then per bucket:", bucket.shell())
}
