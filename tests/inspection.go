package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"strings"

	"dagger/tests/internal/dagger"
)

// schemaModeline is the first line of every example settings file: editors validate against
// the committed schema.
const schemaModeline = "# yaml-language-server: $schema=../../schema/stepimage.schema.json"

// Inspection checks the functions that build nothing: schema (equal to the committed schema
// file), validate (every example settings file, with its source), plan and dockerfile (the
// sklearn train step), and validate's error on a misspelt field.
// +cache="never"
func (m *Tests) Inspection(
	ctx context.Context,
	// +defaultPath="/examples"
	examples *dagger.Directory,
	// The committed JSON Schema of the settings file.
	// +defaultPath="/schema/stepimage.schema.json"
	schema *dagger.File,
) (string, error) {
	stepimage := dag.Stepimage()

	printed, err := stepimage.Schema(ctx)
	if err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	committed, err := schema.Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("reading schema/stepimage.schema.json: %w", err)
	}
	var printedJSON, committedJSON any
	if err := json.Unmarshal([]byte(printed), &printedJSON); err != nil {
		return "", fmt.Errorf("schema printed invalid JSON: %w", err)
	}
	if err := json.Unmarshal([]byte(committed), &committedJSON); err != nil {
		return "", fmt.Errorf("schema/stepimage.schema.json is invalid JSON: %w", err)
	}
	if !reflect.DeepEqual(printedJSON, committedJSON) {
		return "", fmt.Errorf("schema/stepimage.schema.json differs from `schema`: regenerate it (go test ./settings -run TestSchemaFileUpToDate -update)")
	}

	// Every YAML file of the examples validates with its folder as the source; the settings
	// files (settings*.yaml) start with the schema modeline.
	files, err := examples.Glob(ctx, "*/*.yaml")
	if err != nil {
		return "", fmt.Errorf("listing example settings: %w", err)
	}
	settingsFiles := 0
	for _, file := range files {
		dir := examples.Directory(path.Dir(file))
		if strings.HasPrefix(path.Base(file), "settings") {
			settingsFiles++
			contents, err := examples.File(file).Contents(ctx)
			if err != nil {
				return "", fmt.Errorf("reading examples/%s: %w", file, err)
			}
			if first, _, _ := strings.Cut(contents, "\n"); first != schemaModeline {
				return "", fmt.Errorf("examples/%s: first line is %q, want %q", file, first, schemaModeline)
			}
		}
		out, err := stepimage.Validate(ctx, dir.File(path.Base(file)), dagger.StepimageValidateOpts{Source: dir})
		if err != nil {
			return "", fmt.Errorf("validate examples/%s: %w", file, err)
		}
		if !strings.HasPrefix(out, path.Base(file)+": valid, ") {
			return "", fmt.Errorf("validate examples/%s printed:\n%s", file, indent(out))
		}
	}
	// sklearn, gpu (3), private-index, pyproject-uv, custom-dockerfile, skip-build.
	if settingsFiles < 8 {
		return "", fmt.Errorf("found %d example settings files in %v, want at least 8", settingsFiles, files)
	}

	sklearn := examples.Directory("sklearn")
	config := sklearn.File("settings.yaml")
	validated, err := stepimage.Validate(ctx, config, dagger.StepimageValidateOpts{Source: sklearn})
	if err != nil {
		return "", fmt.Errorf("validate sklearn: %w", err)
	}
	// load_data only sets parameters: it shares the pipeline-level image; train has its own.
	if err := expectContains("validate sklearn", validated, "valid, 2 image(s)", "steps: *, load_data", "steps: train"); err != nil {
		return "", err
	}

	plan, err := stepimage.Plan(ctx, config, dagger.StepimagePlanOpts{Step: "train"})
	if err != nil {
		return "", fmt.Errorf("plan sklearn --step=train: %w", err)
	}
	var kinds []string
	for _, match := range regexp.MustCompile(`(?m)^\s*\d+\. (\S+)`).FindAllStringSubmatch(plan, -1) {
		kinds = append(kinds, match[1])
	}
	// Least to most often changed; runtime variables after the last install.
	wantKinds := []string{"parent", "build-env", "apt", "installer", "requirements", "code", "user", "runtime-env", "labels"}
	if !reflect.DeepEqual(kinds, wantKinds) {
		return "", fmt.Errorf("plan of sklearn's train step has layers %v, want %v:\n%s", kinds, wantKinds, indent(plan))
	}
	if err := expectContains("plan of sklearn's train step", plan, "apt-get install libgomp1", "install scikit-learn>=1.3 joblib"); err != nil {
		return "", err
	}

	dockerfile, err := stepimage.Dockerfile(ctx, config, dagger.StepimageDockerfileOpts{Step: "train"})
	if err != nil {
		return "", fmt.Errorf("dockerfile sklearn --step=train: %w", err)
	}
	if !strings.Contains(dockerfile, "\nFROM python:3.11-slim\n") {
		return "", fmt.Errorf("dockerfile of sklearn's train step lacks FROM python:3.11-slim:\n%s", indent(dockerfile))
	}
	if err := expectContains("dockerfile of sklearn's train step", dockerfile,
		"libgomp1", "USER trainer", `ENV MODEL_NAME="iris-classifier-v2"`, `ENV PYTHONUNBUFFERED="1"`); err != nil {
		return "", err
	}
	// Runtime variables come after the USER line, as in the plan.
	if strings.Index(dockerfile, "USER trainer") > strings.Index(dockerfile, "ENV MODEL_NAME") {
		return "", fmt.Errorf("dockerfile sets MODEL_NAME before USER:\n%s", indent(dockerfile))
	}

	typo := dag.Directory().WithNewFile("settings.yaml", "settings:\n  docker:\n    requirments: [six]\n").File("settings.yaml")
	_, err = stepimage.Validate(ctx, typo)
	if err := expectError("validate of a misspelt field", err, "requirments", "requirements"); err != nil {
		return "", err
	}
	return fmt.Sprintf("schema up to date; %d example YAML files valid; plan %d layers in order; dockerfile; typo reported", len(files), len(kinds)), nil
}
