//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The functions that build nothing, called as the README does on the sklearn example: what
// validate, plan, dockerfile and schema print. validate must also accept the run
// configurations shaped like public ZenML projects.
func TestInspectionFunctions(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", "sklearn")

	t.Run("validate", func(t *testing.T) {
		t.Parallel()
		out := mustCall(t, dir, "validate", "--config=settings.yaml", "--source=.").stdout
		// load_data only sets parameters: it shares the pipeline-level image; train has its own.
		for _, want := range []string{"settings.yaml: valid, 2 image(s)", "steps: *, load_data", "steps: train"} {
			if !strings.Contains(out, want) {
				t.Errorf("validate lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("plan", func(t *testing.T) {
		t.Parallel()
		out := mustCall(t, dir, "plan", "--config=settings.yaml", "--step=train").stdout
		var kinds []string
		for _, match := range regexp.MustCompile(`(?m)^\s*\d+\. (\S+)`).FindAllStringSubmatch(out, -1) {
			kinds = append(kinds, match[1])
		}
		// Least to most often changed; runtime variables after the last install. The layered
		// layout's packages layer resolves the requirements source.
		want := []string{"parent", "build-env", "apt", "installer", "packages", "zenml-env", "code", "user", "runtime-env", "labels"}
		if !reflect.DeepEqual(kinds, want) {
			t.Errorf("plan of the train step has layers %v, want %v:\n%s", kinds, want, out)
		}
		for _, want := range []string{"layout: layered", "apt-get install libgomp1", "install scikit-learn>=1.3 joblib", "then per bucket:"} {
			if !strings.Contains(out, want) {
				t.Errorf("plan lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("plan of a step the file does not list", func(t *testing.T) {
		t.Parallel()
		out := mustCall(t, dir, "plan", "--config=settings.yaml", "--step=trian").stdout
		if !strings.Contains(out, `steps.trian: step not listed`) || !strings.Contains(out, `did you mean "train"`) {
			t.Errorf("a step the file does not list must be warned about in the plan:\n%s", out)
		}
	})

	t.Run("dockerfile", func(t *testing.T) {
		t.Parallel()
		out := mustCall(t, dir, "dockerfile", "--config=settings.yaml", "--step=train").stdout
		lines := strings.Split(out, "\n")
		// In this order, as ZenML writes it: ZenML's variables, the code copied (JSON form, no
		// owner) and made writable, the user created and given /app, then set; runtime
		// variables come last, as in the plan.
		ordered := []string{
			"FROM python:3.11-slim",
			"WORKDIR /app",
			`ENV PYTHONUNBUFFERED="1"`,
			`ENV ZENML_ENABLE_REPO_INIT_WARNINGS="False"`,
			`ENV ZENML_CONFIG_PATH="/app/.zenconfig"`,
			`COPY [".","."]`,
			"RUN chmod -R a+rw .",
			"RUN id -u trainer >/dev/null 2>&1 || useradd --create-home trainer || adduser -D trainer",
			"RUN chown -R trainer .",
			"USER trainer",
			`ENV MODEL_NAME="iris-classifier-v2"`,
		}
		last := -1
		for _, want := range ordered {
			at := indexOf(lines, want)
			if at < 0 {
				t.Fatalf("dockerfile lacks the line %q:\n%s", want, out)
			}
			if at < last {
				t.Fatalf("dockerfile has %q before %q:\n%s", want, lines[last], out)
			}
			last = at
		}
		if !strings.Contains(out, "libgomp1") {
			t.Errorf("dockerfile does not install libgomp1:\n%s", out)
		}
	})

	t.Run("schema", func(t *testing.T) {
		t.Parallel()
		printed := mustCall(t, dir, "schema").stdout
		committed, err := os.ReadFile(filepath.Join(repoRoot, "schema", "stepimage.schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		var printedJSON, committedJSON any
		if err := json.Unmarshal([]byte(printed), &printedJSON); err != nil {
			t.Fatalf("schema printed invalid JSON (%v): %.300s", err, printed)
		}
		if err := json.Unmarshal(committed, &committedJSON); err != nil {
			t.Fatalf("schema/stepimage.schema.json is invalid JSON: %v", err)
		}
		if !reflect.DeepEqual(printedJSON, committedJSON) {
			t.Errorf("schema/stepimage.schema.json differs from `schema`: regenerate it (go test ./settings -run TestSchemaFileUpToDate -update)")
		}
		if !strings.Contains(printed, `"python_package_installer"`) || !strings.Contains(printed, "$schema") {
			t.Errorf("schema: %.300s", printed)
		}
	})

	configs, err := filepath.Glob(filepath.Join(repoRoot, "examples", "zenml-configs", "*.yaml"))
	if err != nil || len(configs) == 0 {
		t.Fatalf("no run configurations in examples/zenml-configs (%v)", err)
	}
	for _, config := range configs {
		name := filepath.Base(config)
		t.Run("validate zenml-configs/"+name, func(t *testing.T) {
			t.Parallel()
			out := mustCall(t, filepath.Dir(config), "validate", "--config="+name, "--source=.").stdout
			if !strings.HasPrefix(out, name+": valid, ") {
				t.Errorf("validate %s printed:\n%s", name, out)
			}
		})
	}
}

func indexOf(lines []string, line string) int {
	for i, l := range lines {
		if l == line {
			return i
		}
	}
	return -1
}
