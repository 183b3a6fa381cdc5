//go:build integration

package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const checkImports = `import importlib, sys
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    print(name, getattr(module, "__version__", "?"))
`

func TestInstallersAndRequirementSources(t *testing.T) {
	t.Parallel()
	// A pyproject without a lock file (resolved at export) beside a requirements file; the
	// tests module's PyprojectUv builds examples/pyproject-uv (uv.lock, local project install).
	// The stack's requirements come as a file: a specifier with a comma stays one item.
	t.Run("uv with an unlocked pyproject, a requirements file and a stack requirements file", func(t *testing.T) {
		t.Parallel()
		dir := project(t, map[string]string{
			"settings.yaml": `settings:
  docker:
    python_package_installer: uv
    pyproject_path: pyproject.toml
    requirements: requirements.txt
`,
			"pyproject.toml": `[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["six==1.16.0"]
`,
			"requirements.txt": "idna==3.7\n",
			"stack.txt":        "packaging>=24,<24.2\n",
			"check.py":         checkImports,
		})
		out := run(t, dir, []string{"build", "--config=settings.yaml", "--source=.", "--stack-requirements-file=stack.txt"},
			"python", "check.py", "six", "idna", "packaging")
		if out != "six 1.16.0\nidna 3.7\npackaging 24.1" {
			t.Fatalf("imports = %q, want six 1.16.0 (pyproject), idna 3.7 (requirements file), packaging 24.1 (stack file: >=24,<24.2)", out)
		}
	})
	t.Run("pip with a list, installer args, local env export and stack requirements", func(t *testing.T) {
		t.Parallel()
		dir := project(t, map[string]string{
			"settings.yaml": `settings:
  docker:
    python_package_installer: pip
    python_package_installer_args:
      default-timeout: 30
    replicate_local_python_environment: pip_freeze
    requirements:
      - six==1.16.0
`,
			"freeze.txt": "idna==3.7\n",
			"check.py":   checkImports,
		})
		out := run(t, dir, []string{"build", "--config=settings.yaml", "--source=.",
			"--local-environment=freeze.txt", "--stack-requirements=packaging==24.1"},
			"python", "check.py", "six", "idna", "packaging")
		if out != "six 1.16.0\nidna 3.7\npackaging 24.1" {
			t.Fatalf("imports = %q, want six (list), idna (local env export), packaging (stack)", out)
		}
	})
}

func TestAptPackagesAndEnvironments(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": `settings:
  docker:
    apt_packages: [jq]
    environment:
      BUILD_MODE: fast
      FROM_CALLER: ${CALLER_VALUE}-suffix
    runtime_environment:
      RUN_MODE: serve
    local_project_install_command: python record_env.py
    python_package_installer: pip
`,
		"record_env.py": `import os
with open("/app/build-env.txt", "w") as f:
    f.write(f"BUILD_MODE={os.environ.get('BUILD_MODE')} RUN_MODE={os.environ.get('RUN_MODE', 'unset')}")
`,
	})
	build := []string{"with-env", "--name=CALLER_VALUE", "--value=given", "build", "--config=settings.yaml", "--source=."}
	out := run(t, dir, build, "sh", "-c", `jq --version >/dev/null && echo jq-ok; echo "$BUILD_MODE $RUN_MODE $FROM_CALLER"; cat /app/build-env.txt`)
	want := "jq-ok\nfast serve given-suffix\nBUILD_MODE=fast RUN_MODE=unset"
	if out != want {
		t.Fatalf("got %q, want %q (apt package installed; build env set before installs; runtime env only after)", out, want)
	}
	missing := failCall(t, dir, "build", "--config=settings.yaml", "--source=.")
	if !strings.Contains(missing, "CALLER_VALUE") || !strings.Contains(missing, "environment.FROM_CALLER") {
		t.Fatalf("a missing ${VAR} must be named with its field; got:\n%s", tail(missing, 20))
	}
}

func TestSecretIsUsableAtBuildButNeverInTheImage(t *testing.T) {
	t.Parallel()
	secret := fmt.Sprintf("s3cr3t-%d", time.Now().UnixNano())
	dir := project(t, map[string]string{
		"settings.yaml": `settings:
  docker:
    python_package_installer: pip
    environment:
      INDEX_TOKEN: ${INDEX_TOKEN}
    local_project_install_command: python record_secret.py
    runtime_environment:
      MODE: prod
`,
		"record_secret.py": `import hashlib, os
token = os.environ["INDEX_TOKEN"]
open("/app/secret.sha256", "w").write(hashlib.sha256(token.encode()).hexdigest())
`,
	})
	tarball := filepath.Join(t.TempDir(), "image.tar")
	env := []string{"INDEX_TOKEN_VALUE=" + secret}
	withSecret := []string{"with-secret", "--name=INDEX_TOKEN", "--value=env://INDEX_TOKEN_VALUE", "build", "--config=settings.yaml", "--source=."}
	r := callEnv(t, dir, env, append(withSecret, "export", "--path="+tarball)...)
	if r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, tail(r.log, 40))
	}
	if strings.Contains(r.log, secret) || strings.Contains(r.stdout, secret) {
		t.Fatal("the secret value appears in the engine's output")
	}
	img := readTarball(t, tarball)
	sum := sha256.Sum256([]byte(secret))
	if got := img.file("app/secret.sha256"); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("/app/secret.sha256 = %q: the secret was not visible to the build step", got)
	}
	if where := img.find(secret); where != "" {
		t.Fatalf("the secret value is in the image: %s", where)
	}
	if img.env("INDEX_TOKEN") != "" || img.env("MODE") != "prod" {
		t.Fatalf("image env = %v, want MODE=prod and no INDEX_TOKEN", img.config.Config.Env)
	}

	// A secret in runtime_environment would be baked into the image config: refused.
	writeFile(t, filepath.Join(dir, "settings.yaml"), `settings:
  docker:
    runtime_environment:
      INDEX_TOKEN: ${INDEX_TOKEN}
`)
	refused := callEnv(t, dir, env, withSecret...)
	if refused.err == nil || !strings.Contains(refused.log, "runtime_environment.INDEX_TOKEN") {
		t.Fatalf("a secret in runtime_environment must be refused naming the field; got:\n%s", tail(refused.log, 20))
	}
}

func TestDockerignoreGitAndUser(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": `settings:
  docker:
    user: appuser
    build_config:
      dockerignore: build.dockerignore
`,
		"build.dockerignore": "data/\n*.env\n",
		"keep.py":            "print('kept')\n",
		"data/big.csv":       "1,2,3\n",
		"local.env":          "PASSWORD=x\n",
		".git/config":        "[core]\n",
	})
	out := run(t, dir, []string{"build", "--config=settings.yaml", "--source=."},
		"sh", "-c", "ls -A /app | sort | tr '\\n' ' '; echo; id -un; stat -c %U /app /app/keep.py")
	want := "build.dockerignore keep.py settings.yaml \nappuser\nappuser\nappuser"
	if out != want {
		t.Fatalf("got %q, want %q (dockerignored files and .git absent; /app owned by and run as appuser)", out, want)
	}
}

// A code-only change and a runtime-variable change must not rerun any install. The first
// build is made fresh (a unique build variable) so that the install lines it prints prove the
// log shows installs when they run.
func TestOnlyChangedLayersRerun(t *testing.T) {
	t.Parallel()
	settingsFile := func(runtimeValue string) string {
		return fmt.Sprintf(`settings:
  docker:
    apt_packages: [tree]
    environment:
      FRESH: "%d"
    requirements: [six==1.16.0]
    runtime_environment:
      STAGE: %s
`, time.Now().UnixNano(), runtimeValue)
	}
	first := settingsFile("one")
	dir := project(t, map[string]string{"settings.yaml": first, "version.txt": "v1\n"})
	args := []string{"build", "--config=settings.yaml", "--source=.", "with-exec", "--args=sh,-c,cat version.txt; echo $STAGE", "stdout"}

	cold := mustCall(t, dir, args...)
	if strings.TrimSpace(cold.stdout) != "v1\none" {
		t.Fatalf("first build: %q", cold.stdout)
	}
	if !installRan(cold.log) || !aptRan(cold.log) {
		t.Fatalf("first build: expected apt and pip install output in the engine log (the detection is broken otherwise):\n%s", tail(cold.log, 40))
	}

	writeFile(t, filepath.Join(dir, "version.txt"), "v2\n")
	codeOnly := mustCall(t, dir, args...)
	if strings.TrimSpace(codeOnly.stdout) != "v2\none" {
		t.Fatalf("after a code change: %q", codeOnly.stdout)
	}
	if installRan(codeOnly.log) || aptRan(codeOnly.log) {
		t.Fatalf("a code-only change reran an install:\n%s", tail(codeOnly.log, 60))
	}

	writeFile(t, filepath.Join(dir, "settings.yaml"), strings.Replace(first, "STAGE: one", "STAGE: two", 1))
	runtimeOnly := mustCall(t, dir, args...)
	if strings.TrimSpace(runtimeOnly.stdout) != "v2\ntwo" {
		t.Fatalf("after a runtime variable change: %q", runtimeOnly.stdout)
	}
	if installRan(runtimeOnly.log) || aptRan(runtimeOnly.log) {
		t.Fatalf("a runtime_environment change reran an install:\n%s", tail(runtimeOnly.log, 60))
	}
}

// installRan reports whether uv printed its install summary: it only does when the exec runs.
func installRan(log string) bool { return strings.Contains(log, "| Installed ") }

func aptRan(log string) bool {
	return strings.Contains(log, "| Setting up ") || strings.Contains(log, "| Reading package lists")
}

func TestFailingLayerIsReportedByName(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": `settings:
  docker:
    requirements:
      - stepimage-no-such-package-anywhere==9.9.9
`,
	})
	log := failCall(t, dir, "build", "--config=settings.yaml", "--source=.")
	// The layered layout resolves every source first: the resolve fails, naming the install.
	for _, want := range []string{`layer "packages" failed`, "stepimage: resolving requirements: uv pip install --system --system-certs", "stepimage-no-such-package-anywhere", "fix:"} {
		if !strings.Contains(log, want) {
			t.Errorf("error output lacks %q:\n%s", want, tail(log, 30))
		}
	}
}

func TestBadSettingsNameFileLineFieldAndFix(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": "settings:\n  docker:\n    requirments:\n      - six\n",
	})
	log := failCall(t, dir, "validate", "--config=settings.yaml")
	for _, want := range []string{"settings.yaml:3", "settings.docker.requirments", `"requirements"`} {
		if !strings.Contains(log, want) {
			t.Errorf("error lacks %q:\n%s", want, tail(log, 20))
		}
	}
}

// With allow_including_files_in_images: false the code stays out, and the labels tell the
// runner where it may download it from.
func TestCodeNotIncludedIsLabelled(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		"settings.yaml": `settings:
  docker:
    allow_including_files_in_images: false
    allow_download_from_artifact_store: false
    requirements: [six==1.16.0]
`,
		"app.py": "print('not in the image')\n",
	})
	tarball := filepath.Join(t.TempDir(), "image.tar")
	mustCall(t, dir, "build", "--config=settings.yaml", "--source=.", "export", "--path="+tarball)
	img := readTarball(t, tarball)
	if _, found := img.files["app/app.py"]; found {
		t.Fatal("app.py is in the image although allow_including_files_in_images is false")
	}
	labels := img.config.Config.Labels
	if labels["io.stepimage.code-included"] != "false" || labels["io.stepimage.code-download"] != "code_repository" {
		t.Fatalf("labels = %v, want code-included=false and code-download=code_repository", labels)
	}
}
