package plan

import (
	"fmt"
	"strings"
)

// String renders the plan for people: one numbered line per layer with what it does and what
// reruns it.
func (p *Plan) String() string {
	var b strings.Builder
	if len(p.Settings.Steps) > 0 {
		fmt.Fprintf(&b, "image for step(s): %s\n", strings.Join(p.Settings.Steps, ", "))
	}
	for i, layer := range p.Layers {
		fmt.Fprintf(&b, "%2d. %-24s %s\n", i+1, layer.Kind, layer.Summary)
		for _, exec := range layer.Execs {
			fmt.Fprintf(&b, "    %-24s $ %s\n", "", exec.shell())
		}
		fmt.Fprintf(&b, "    %-24s reruns when: %s\n", "", strings.Join(layer.InvalidatedBy, "; "))
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}
