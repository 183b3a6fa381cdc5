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

// Stack component types: settings keys "<type>" or "<type>.<flavor>" configure stack
// components, which do not affect the image.
var componentTypes = []string{
	"alerter", "annotator", "artifact_store", "container_registry", "data_validator", "deployer",
	"experiment_tracker", "feature_store", "image_builder", "log_store", "model_deployer",
	"model_registry", "orchestrator", "step_operator",
}

// ZenML resource fields that only matter to deployers; accepted with a warning.
var ignoredResourceKeys = []string{
	"autoscaling_metric", "autoscaling_target", "max_concurrency", "max_replicas", "min_replicas",
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
	c := &Config{File: file, Steps: map[string]StepSettings{}, pos: d.pos}
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
			d.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.fail(&next, "", "more than one YAML document (---) in the file", "keep one document per file")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
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

// syntaxError turns a yaml.v3 error into an Error with the line it names.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	e := &Error{File: d.file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = "invalid YAML: " + m[2]
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		e.Message = "invalid YAML: " + strings.Join(te.Errors, "; ")
	}
	d.errs = append(d.errs, e)
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
			c.Pipeline = d.settingsBlock(p.key, p.value, "settings")
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

// settingsBlock reads a `settings:` mapping: docker and resources; stack component settings are
// accepted and ignored.
func (d *decoder) settingsBlock(key, n *yaml.Node, path string) StepSettings {
	var s StepSettings
	if isNull(n) {
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
		switch {
		case name == "docker":
			if !isNull(p.value) {
				d.pos[field] = nodePos(p.key)
				s.Docker = d.docker(p.value, field)
			}
		case name == "resources":
			if !isNull(p.value) {
				d.pos[field] = nodePos(p.key)
				s.Resources = d.resources(p.value, field)
			}
		case setOf(componentTypes)[strings.SplitN(name, ".", 2)[0]]:
		default:
			if sg := suggest(name, []string{"docker", "resources"}); sg != "" {
				d.fail(p.key, field, fmt.Sprintf("unknown settings key; did you mean %q?", sg), "")
				continue
			}
			d.warn(p.key, field, "unknown settings key, ignored (expected docker, resources or <component_type>[.<flavor>] such as orchestrator.kubernetes)")
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

// resources decodes one ResourceSettings mapping; deployer-only fields are accepted with a warning.
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
			d.warn(p.key, joinPath(path, name), "only used by ZenML deployers; ignored for images")
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
						st = d.settingsBlock(p.key, p.value, path+".settings")
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
