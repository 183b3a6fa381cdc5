package settings

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Images resolves the pipeline level and every step, groups the steps whose resolved Docker
// settings are equal (their Key), and returns the groups with the pipeline-level group first,
// then by first step name. The pipeline-level group lists PipelineSteps and every step that
// resolves to the same settings (e.g. a step with only parameters). As in ZenML, resources do
// not make an image of their own: a step that only asks for a GPU runs in the pipeline's image.
// Image.Resources keeps each step's requests and Settings.Resources the largest of them.
// prevent_build_reuse is not part of the Key; a group is built fresh when any of its steps asks
// for it.
//
// Warnings and errors of all levels are returned together, each once.
func (c *Config) Images(vars Vars) ([]Image, []Warning, error) {
	var errs Errors
	var warns []Warning
	type group struct {
		key       string
		res       *Resolved
		steps     []string
		resources map[string]ResolvedResources
	}
	var groups []*group
	byKey := map[string]*group{}
	add := func(step string) {
		res, w, err := c.Resolve(step, vars)
		warns = append(warns, w...)
		if err != nil {
			errs = append(errs, err.(Errors)...)
			return
		}
		key := imageKey(res)
		if g := byKey[key]; g != nil {
			g.steps = append(g.steps, step)
			g.resources[step] = res.Resources
			g.res.PreventBuildReuse = g.res.PreventBuildReuse || res.PreventBuildReuse
			g.res.Resources = largestResources(g.res.Resources, res.Resources)
			return
		}
		g := &group{key: key, res: res, steps: []string{step}, resources: map[string]ResolvedResources{step: res.Resources}}
		byKey[key] = g
		groups = append(groups, g)
	}
	add(PipelineSteps)
	for _, step := range c.StepNames() {
		add(step)
	}
	if err := errs.err(); err != nil {
		return nil, dedupeWarnings(warns), err
	}

	images := make([]Image, 0, len(groups))
	for _, g := range groups {
		sortSteps(g.steps)
		g.res.Steps = g.steps
		images = append(images, Image{Key: g.key, Steps: g.steps, Settings: g.res, Resources: g.resources})
	}
	sort.SliceStable(images, func(i, j int) bool {
		a, b := images[i].Steps[0], images[j].Steps[0]
		if (a == PipelineSteps) != (b == PipelineSteps) {
			return a == PipelineSteps
		}
		return a < b
	})
	return images, dedupeWarnings(warns), nil
}

// sortSteps sorts step names with PipelineSteps first.
func sortSteps(steps []string) {
	sort.Slice(steps, func(i, j int) bool {
		if (steps[i] == PipelineSteps) != (steps[j] == PipelineSteps) {
			return steps[i] == PipelineSteps
		}
		return steps[i] < steps[j]
	})
}

// largestResources is the most of each resource that a and b request.
func largestResources(a, b ResolvedResources) ResolvedResources {
	out := ResolvedResources{CPUCount: max(a.CPUCount, b.CPUCount), GPUCount: max(a.GPUCount, b.GPUCount), Memory: a.Memory}
	if memoryBytes(b.Memory) > memoryBytes(a.Memory) {
		out.Memory = b.Memory
	}
	return out
}

var memoryUnits = map[string]float64{"KB": 1e3, "KiB": 1 << 10, "MB": 1e6, "MiB": 1 << 20, "GB": 1e9, "GiB": 1 << 30,
	"TB": 1e12, "TiB": 1 << 40, "PB": 1e15, "PiB": 1 << 50}

// memoryBytes reads a memory size that matched memoryRE (0 when unset).
func memoryBytes(m string) float64 {
	digits := strings.TrimRightFunc(m, func(r rune) bool { return r < '0' || r > '9' })
	n, _ := strconv.ParseFloat(digits, 64)
	return n * memoryUnits[m[len(digits):]]
}

// imageKey hashes the resolved settings as sorted JSON, leaving out what does not change the
// image's content: the steps using it, prevent_build_reuse and the resources they request.
func imageKey(r *Resolved) string {
	cp := *r
	cp.Steps = nil
	cp.PreventBuildReuse = false
	cp.Resources = ResolvedResources{}
	b, err := canonicalJSON(cp)
	if err != nil {
		// Cannot happen with decoded YAML values; still, never panic: hash a Go rendering.
		b = []byte(fmt.Sprintf("%#v", cp))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// canonicalJSON marshals v with every object's keys sorted (struct fields included), so that the
// hash does not depend on field order in Go or key order in the file.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic)
}
