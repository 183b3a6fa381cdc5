package settings

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
)

// runConfig, runSettings and stepConfig exist only to describe the run-configuration layout in
// the schema; loading walks YAML nodes directly (see load.go).
type runConfig struct {
	Settings *runSettings          `json:"settings,omitempty"`
	Steps    map[string]stepConfig `json:"steps,omitempty"`
}

type runSettings struct {
	Docker    *DockerSettings   `json:"docker,omitempty"`
	Resources *ResourceSettings `json:"resources,omitempty"`
}

type stepConfig struct {
	Settings *runSettings `json:"settings,omitempty"`
}

// ZenML keys we do not read are allowed at run-config, settings and step level.
func (runConfig) JSONSchemaExtend(s *jsonschema.Schema)   { s.AdditionalProperties = nil }
func (runSettings) JSONSchemaExtend(s *jsonschema.Schema) { s.AdditionalProperties = nil }
func (stepConfig) JSONSchemaExtend(s *jsonschema.Schema)  { s.AdditionalProperties = nil }

// JSONSchemaExtend adds what tags cannot express: value types of the maps and deprecations.
func (DockerSettings) JSONSchemaExtend(s *jsonschema.Schema) {
	scalar := &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		{Type: "string"}, {Type: "number"}, {Type: "boolean"}, {Type: "null"},
	}}
	for _, name := range []string{"environment", "runtime_environment"} {
		if p, ok := s.Properties.Get(name); ok {
			p.AdditionalProperties = scalar
			p.PropertyNames = &jsonschema.Schema{Pattern: envNameRE.String()}
		}
	}
	if p, ok := s.Properties.Get("python_package_installer_args"); ok {
		p.AdditionalProperties = scalar
		p.PropertyNames = &jsonschema.Schema{Pattern: argNameRE.String()}
	}
	for _, name := range deprecatedFields {
		if p, ok := s.Properties.Get(name); ok {
			p.Deprecated = true
		}
	}
}

// JSONSchemaExtend accepts ZenML's resource fields that loading ignores, and the numbers written
// as strings that ZenML's pydantic coerces (gpu_count: "1").
func (ResourceSettings) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, name := range ignoredResourceKeys {
		s.Properties.Set(name, &jsonschema.Schema{Description: "Only used by ZenML's deployers, resource pools or orchestrators; accepted and ignored."})
	}
	if p, ok := s.Properties.Get("gpu_count"); ok {
		p.AnyOf = []*jsonschema.Schema{
			{Type: "integer", Minimum: p.Minimum},
			{Type: "string", Pattern: `^\s*\+?[0-9]+(_[0-9]+)*(\.0+)?\s*$`},
		}
		p.Type, p.Minimum = "", ""
	}
	if p, ok := s.Properties.Get("cpu_count"); ok {
		p.AnyOf = []*jsonschema.Schema{
			{Type: "number", ExclusiveMinimum: p.ExclusiveMinimum},
			{Type: "string", Pattern: `^\s*\+?([0-9]+(_[0-9]+)*(\.([0-9]+(_[0-9]+)*)?)?|\.[0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+(_[0-9]+)*)?\s*$`},
		}
		p.Type, p.ExclusiveMinimum = "", ""
	}
}

// JSONSchema describes requirements: a list of specifiers or a file path.
func (Requirements) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
		{Type: "string"},
	}}
}

// JSONSchema describes replicate_local_python_environment.
func (LocalEnvironment) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "boolean"},
		{Type: "string", Enum: []any{"pip_freeze", "uv_freeze", "poetry_export"}},
		{Type: "array", Items: &jsonschema.Schema{Type: "string"}, MinItems: ptr(uint64(1))},
	}}
}

func ptr[T any](v T) *T { return &v }

// Schema returns the JSON Schema of a configuration file, indented: either a run configuration
// (extra ZenML keys allowed) or a bare DockerSettings document (no unknown keys).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		Anonymous: true,
		LookupComment: func(t reflect.Type, field string) string {
			if field == "" {
				return descriptions[t.Name()]
			}
			f, ok := t.FieldByName(field)
			if !ok {
				return ""
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			return descriptions[t.Name()+"."+name]
		},
	}
	s := r.Reflect(&runConfig{})
	docker := r.Reflect(&DockerSettings{})
	for name, def := range docker.Definitions {
		s.Definitions[name] = def
	}
	s.Ref = ""
	s.Title = "stepimage configuration"
	s.Description = "A ZenML run configuration (settings / steps) or a bare DockerSettings document."
	s.AnyOf = []*jsonschema.Schema{{Ref: "#/$defs/runConfig"}, {Ref: "#/$defs/DockerSettings"}}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("generating schema: %w", err)
	}
	return append(b, '\n'), nil
}
