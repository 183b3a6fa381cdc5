package settings

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema/stepimage.schema.json from Schema()")

const schemaFile = "../schema/stepimage.schema.json"

// TestSchemaFileUpToDate keeps the committed schema in step with the Go types.
func TestSchemaFileUpToDate(t *testing.T) {
	want, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(schemaFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is missing or out of date (%v); regenerate it with:\n\tgo test ./settings -run TestSchemaFileUpToDate -update", schemaFile, err)
	}
}

// TestSchemaContent spot-checks what the schema must say.
func TestSchemaContent(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	defs := s["$defs"].(map[string]any)
	docker := defs["DockerSettings"].(map[string]any)
	props := docker["properties"].(map[string]any)
	if docker["additionalProperties"] != false {
		t.Error("DockerSettings must not allow unknown keys")
	}
	if _, ok := defs["runConfig"].(map[string]any)["additionalProperties"]; ok {
		t.Error("run configuration must allow ZenML's other keys")
	}
	for _, name := range fieldNames(dockerType) {
		p, ok := props[name].(map[string]any)
		if !ok || p["description"] == "" || p["description"] == nil {
			t.Errorf("field %s has no description", name)
		}
	}
	installer := props["python_package_installer"].(map[string]any)
	if installer["default"] != "uv" || len(installer["enum"].([]any)) != 2 {
		t.Errorf("installer: %v", installer)
	}
	if props["source_files"].(map[string]any)["deprecated"] != true {
		t.Error("source_files must be deprecated")
	}
	if props["allow_including_files_in_images"].(map[string]any)["default"] != true {
		t.Error("allow_including_files_in_images default")
	}
	if len(s["anyOf"].([]any)) != 2 {
		t.Error("root must accept a run configuration or a bare document")
	}
}
