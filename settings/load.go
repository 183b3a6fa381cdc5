package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Keys ZenML accepts at the top of a run configuration besides settings and steps. They are
// accepted and ignored: a run configuration is shared with ZenML itself.
var runConfigKeys = []string{
	"build", "cache_policy", "cleanup_hook_source", "enable_artifact_metadata",
	"enable_artifact_visualization", "enable_cache", "enable_heartbeat", "enable_pipeline_logs",
	"enable_step_logs", "environment", "execution_mode", "extra", "failure_hook_source",
	"init_hook_kwargs", "init_hook_source", "model", "model_version", "parameters", "retry",
	"run_name", "schedule", "secrets", "settings", "steps", "substitutions", "success_hook_source",
	"tags",
}

// Keys ZenML accepts under steps.<name> besides settings.
var stepKeys = []string{
	"cache_policy", "enable_artifact_metadata", "enable_artifact_visualization", "enable_cache",
	"enable_step_logs", "environment", "experiment_tracker", "extra", "failure_hook_source",
	"group", "heartbeat_healthy_threshold", "model", "name", "outputs", "parameters", "retry",
	"runtime", "secrets", "settings", "step_operator", "substitutions", "success_hook_source",
}

// Stack component types (ZenML's StackComponentType): settings keys "<type>", "<type>.<flavor>"
// or "<type>:<name>" configure stack components, which do not affect the image.
var componentTypes = []string{
	"alerter", "annotator", "artifact_store", "container_registry", "data_validator", "deployer",
	"experiment_tracker", "feature_store", "image_builder", "log_store", "model_deployer",
	"model_registry", "orchestrator", "sandbox", "step_operator",
}

// componentKeyRE is ZenML's STACK_COMPONENT_REGEX (matched in full): a settings key that
// configures a stack component.
var componentKeyRE = regexp.MustCompile(`^(?:` + strings.Join(componentTypes, "|") + `)(?:[.:].+)?$`)

// deploymentKey is ZenML's third general settings key (DeploymentSettings): pipeline level only,
// and without effect on images.
const deploymentKey = "deployment"

// ZenML resource fields that only matter to deployers, resource pools and schedulers, and the
// legacy inputs ResourceSettings still folds into them; accepted with a warning.
var ignoredResourceKeys = []string{
	"allocation_wait_timeout_seconds", "autoscaling_metric", "autoscaling_target", "gpu_class",
	"initialization_lease_seconds", "max_concurrency", "max_replicas", "min_replicas",
	"pool_resource_demands", "pool_resources", "preemptible", "reclaim_tolerance", "resources",
}

var dockerType = reflect.TypeOf(DockerSettings{})

// LoadFile reads and loads a run configuration or DockerSettings document.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return Load(path, data)
}

// Load parses a run configuration (settings/steps layout) or a bare DockerSettings document,
// YAML or JSON. file is only used in messages. On failure the error is an Errors holding every
// problem found.
func Load(file string, data []byte) (*Config, error) {
	if e := checkText(file, data); e != nil {
		return nil, Errors{e}
	}
	d := newDecoder(file)
	root := d.parse(data)
	if root == nil {
		return nil, d.errs.err()
	}
	c := &Config{File: file, Steps: map[string]StepSettings{}, pos: d.pos, order: d.order}
	if isBareDocument(d, root) {
		c.bare = true
		c.Pipeline.Docker = d.docker(root, "")
	} else {
		d.runConfig(root, c)
	}
	c.Warnings = dedupeWarnings(d.warns)
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse returns the document's top-level mapping, or nil after recording why there is none.
func (d *decoder) parse(data []byte) (root *yaml.Node) {
	defer func() {
		// yaml.v3 has had panics on malformed input; a bad file must never crash a build.
		if r := recover(); r != nil {
			d.errs = append(d.errs, &Error{File: d.file, Message: fmt.Sprintf("invalid YAML: %v", r)})
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.failEmpty()
		} else {
			d.syntaxError(err, data)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.fail(&next, "", "more than one YAML document (---) in the file", "keep one document per file")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err, data)
		return nil
	}
	d.fileNodes, d.hasAliases = countNodes(&doc)
	n := &doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			d.failEmpty()
			return nil
		}
		n = n.Content[0]
	}
	if isNull(n) {
		d.failEmpty()
		return nil
	}
	m := deref(n)
	if m == nil || m.Kind != yaml.MappingNode {
		d.fail(n, "", "expected a mapping at the top of the document, got "+describe(n),
			"start with `settings:` (run configuration) or with DockerSettings fields such as `requirements:`")
		return nil
	}
	return m
}

func (d *decoder) failEmpty() {
	d.errs = append(d.errs, &Error{File: d.file, Line: 1, Message: "the file is empty",
		Fix: "add `settings: {docker: {...}}` (a run configuration) or DockerSettings fields such as `requirements:`"})
}

// syntaxError turns a yaml.v3 error into an Error on the line where the parser failed (see
// syntaxErrorLine).
func (d *decoder) syntaxError(err error, data []byte) {
	msg := err.Error()
	e := &Error{File: d.file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
	reported := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		reported, _ = strconv.Atoi(m[1])
		e.Message = "invalid YAML: " + m[2]
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		e.Message = "invalid YAML: " + strings.Join(te.Errors, "; ")
	}
	e.Line = syntaxErrorLine(data, msg, reported)
	d.errs = append(d.errs, e)
}

// syntaxErrorLine finds the line of a YAML syntax error, the one PyYAML names as the problem.
// yaml.v3 names the line where the enclosing construct starts (a parser error prints it 0-based,
// one more line up), often lines above the mistake, or no line at all. Feeding the document
// one byte at a time shows how far the parser read before failing; the problem is on the last
// line it read, or on the first line up to which a prefix of the document fails the same way
// (the parser may have read a token or two past the problem to classify it).
func syntaxErrorLine(data []byte, msg string, reported int) int {
	r := &byteReader{data: data}
	if firstDecodeError(r) == nil {
		return reported
	}
	read := bytes.TrimRight(data[:r.pos], "\r\n")
	last := bytes.Count(read, []byte("\n")) + 1
	lines := bytes.SplitAfter(data, []byte("\n"))
	// Each try parses a prefix: bound the work on a large file.
	budget := maxSyntaxBytes
	for k := max(reported, 1); k < last && k <= len(lines); k++ {
		prefix := bytes.Join(lines[:k], nil)
		if budget -= len(prefix); budget < 0 {
			break
		}
		if err := firstDecodeError(&byteReader{data: prefix}); err != nil && err.Error() == msg {
			return k
		}
	}
	return last
}

// maxSyntaxBytes bounds the bytes syntaxErrorLine parses again.
const maxSyntaxBytes = 4 << 20

// firstDecodeError decodes documents as parse does and returns the first syntax error.
func firstDecodeError(r io.Reader) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("panic")
		}
	}()
	dec := yaml.NewDecoder(r)
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// byteReader hands out one byte per Read, so that pos is how far yaml.v3 has read.
type byteReader struct {
	data []byte
	pos  int
}

func (r *byteReader) Read(p []byte) (int, error) {
	if r.pos >= len(r.data) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[r.pos]
	r.pos++
	return 1, nil
}

// isBareDocument reports whether the top-level keys are DockerSettings fields rather than a run
// configuration: at least one key is a DockerSettings-only field and none is a run-config-only key.
func isBareDocument(d *decoder, root *yaml.Node) bool {
	docker := setOf(fieldNames(dockerType))
	run := setOf(runConfigKeys)
	dockerOnly, runOnly := false, false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := deref(root.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		switch {
		case docker[k.Value] && !run[k.Value]:
			dockerOnly = true
		case run[k.Value] && !docker[k.Value]:
			runOnly = true
		}
	}
	return dockerOnly && !runOnly
}

func setOf(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}

// runConfig reads the settings/steps layout; other ZenML keys are accepted and ignored.
func (d *decoder) runConfig(root *yaml.Node, c *Config) {
	known := setOf(runConfigKeys)
	docker := setOf(fieldNames(dockerType))
	pairs := d.pairs(root, "")
	d.warnAmbiguous(pairs)
	for _, p := range pairs {
		key := deref(p.key).Value
		switch {
		case key == "settings":
			c.Pipeline = d.settingsBlock(p.key, p.value, "settings", false)
		case key == "steps":
			d.steps(p.value, c)
		case known[key]:
		case docker[key]:
			d.fail(p.key, key, "DockerSettings field at the top level of a run configuration",
				fmt.Sprintf("move it under settings.docker (settings:\\n  docker:\\n    %s: ...)", key))
		default:
			d.unknownKey(p.key, key, key, runConfigKeys, []string{"settings", "steps"}, true)
		}
	}
}

// warnAmbiguous warns when a document without settings/steps has only keys that are both
// run-configuration and DockerSettings keys (environment): it is read as a run configuration,
// where such keys do not affect the image, which may not be what the author meant.
func (d *decoder) warnAmbiguous(pairs []pair) {
	docker := setOf(fieldNames(dockerType))
	var shared *yaml.Node
	for _, p := range pairs {
		switch name := deref(p.key).Value; {
		case name == "settings" || name == "steps":
			return
		case docker[name] && shared == nil:
			shared = p.key
		}
	}
	if shared != nil {
		d.warn(shared, shared.Value, "read as a run configuration, where this key does not affect the image; "+
			"to set it for the image, put it under settings.docker")
	}
}

// unknownKey reports a key the package does not know at run-config or step level: an error when
// it looks like a misspelling of a key that matters here (the settings would be silently
// dropped), a warning otherwise (ZenML grows new keys; they must not break our builds).
func (d *decoder) unknownKey(k *yaml.Node, field, key string, known, critical []string, topLevel bool) {
	if s := suggest(key, critical); s != "" {
		d.fail(k, field, fmt.Sprintf("unknown key; did you mean %q?", s), "")
		return
	}
	if topLevel {
		if s := suggest(key, fieldNames(dockerType)); s != "" && !setOf(runConfigKeys)[s] {
			d.fail(k, field, fmt.Sprintf("unknown key; it looks like the DockerSettings field %q", s),
				"move it under settings.docker")
			return
		}
	}
	msg := "unknown key, ignored"
	if s := didYouMean(key, known); s != "" {
		msg += "; " + s
	}
	d.warn(k, field, msg)
}

// settingsBlock reads a `settings:` mapping: docker and resources; stack component and
// deployment settings are accepted and ignored. As ZenML does, it refuses a key that is none
// of these (its settings would be silently dropped) and a value that is not a mapping, null
// included; a step's `settings:` must be a mapping too, the pipeline's may be null.
func (d *decoder) settingsBlock(key, n *yaml.Node, path string, step bool) StepSettings {
	var s StepSettings
	if isNull(n) {
		if step {
			d.fail(key, path, "expected a mapping of settings (docker, resources, ...), got null",
				"remove the empty settings key, or give it settings such as docker: {...}")
		}
		return s
	}
	d.pos[path] = nodePos(key)
	m := d.mapping(n, path, "a mapping of settings (docker, resources, ...)")
	if m == nil {
		return s
	}
	for _, p := range d.pairs(m, path) {
		name := deref(p.key).Value
		field := joinPath(path, name)
		valid := name == "docker" || name == "resources" || name == deploymentKey || componentKeyRE.MatchString(name)
		if !valid {
			msg := "invalid settings key: ZenML refuses the run configuration"
			if sg := suggest(name, append([]string{"docker", "resources", deploymentKey}, componentTypes...)); sg != "" {
				msg += fmt.Sprintf("; did you mean %q?", sg)
			}
			d.fail(p.key, field, msg, "use docker, resources, deployment, or a stack component type, "+
				"optionally with .<flavor> or :<name> (e.g. orchestrator.kubernetes, step_operator:sagemaker)")
			continue
		}
		if v := deref(p.value); v == nil || v.Kind != yaml.MappingNode {
			d.fail(p.value, field, "expected a mapping of settings, got "+describe(p.value)+": ZenML refuses the run configuration",
				fmt.Sprintf("write the settings as a mapping (%s: {...}), or remove the key to leave them unset", name))
			continue
		}
		switch {
		case name == "docker":
			d.pos[field] = nodePos(p.key)
			s.Docker = d.docker(p.value, field)
		case name == "resources":
			d.pos[field] = nodePos(p.key)
			s.Resources = d.resources(p.value, field)
		case name == deploymentKey && step:
			d.fail(p.key, field, "deployment settings can only be set at pipeline level: ZenML refuses them on a step",
				"move them to the pipeline's settings.deployment")
		}
	}
	return s
}

// docker decodes and migrates one DockerSettings mapping.
func (d *decoder) docker(n *yaml.Node, path string) *DockerSettings {
	ds := &DockerSettings{}
	d.decodeStruct(n, path, reflect.ValueOf(ds))
	d.migrate(ds, path)
	return ds
}

// resources decodes one ResourceSettings mapping; fields that do not concern images are accepted
// with a warning.
func (d *decoder) resources(n *yaml.Node, path string) *ResourceSettings {
	rs := &ResourceSettings{}
	m := d.mapping(n, path, "resource settings")
	if m == nil {
		return rs
	}
	// Drop the deployer-only keys before strict decoding, so they are not "unknown fields".
	filtered := *m
	filtered.Content = nil
	ignored := setOf(ignoredResourceKeys)
	for _, p := range d.pairs(m, path) {
		if name := deref(p.key).Value; ignored[name] {
			d.warn(p.key, joinPath(path, name), "only used by ZenML's deployers, resource pools or orchestrators; ignored for images")
			continue
		}
		filtered.Content = append(filtered.Content, p.key, p.value)
	}
	d.decodeStruct(&filtered, path, reflect.ValueOf(rs))
	return rs
}

// steps reads `steps:`; every listed step is kept, even one without settings (it then uses the
// pipeline-level image).
func (d *decoder) steps(n *yaml.Node, c *Config) {
	if isNull(n) {
		return
	}
	m := d.mapping(n, "steps", "a mapping of step names to step configurations")
	if m == nil {
		return
	}
	known := setOf(stepKeys)
	for _, sp := range d.pairs(m, "steps") {
		name := deref(sp.key).Value
		path := "steps." + name
		if name == "" || name == PipelineSteps {
			d.fail(sp.key, path, fmt.Sprintf("invalid step name %q", name), "use the step's function name")
			continue
		}
		if c := controlCharacter(name); c != "" {
			// The name reaches the Dockerfile's header comment, where a line break would start
			// an instruction; the path is quoted so that the message itself stays on one line.
			d.fail(sp.key, "steps."+strconv.Quote(name), "the step name contains "+c, "use the step's function name")
			continue
		}
		d.pos[path] = nodePos(sp.key)
		var st StepSettings
		if !isNull(sp.value) {
			if sm := d.mapping(sp.value, path, "a step configuration"); sm != nil {
				for _, p := range d.pairs(sm, path) {
					key := deref(p.key).Value
					switch {
					case key == "settings":
						st = d.settingsBlock(p.key, p.value, path+".settings", true)
					case known[key]:
					default:
						d.unknownKey(p.key, joinPath(path, key), key, stepKeys, []string{"settings"}, false)
					}
				}
			}
		}
		c.Steps[name] = st
	}
}

// StepNames lists the steps named in the configuration, sorted.
func (c *Config) StepNames() []string {
	names := make([]string, 0, len(c.Steps))
	for name := range c.Steps {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
