//go:build integration

// Package integration checks stepimage as users and CI call it, from the `dagger call` CLI, with
// the guarantees that need the CLI, the engine's log, a registry or an exported tarball.
//
// The tests call `dagger call -m <repo> ...` on small synthetic projects (the bundled examples
// are the tests module's, tests/), then assert on what the CLI prints, from inside the images,
// on the engine's plain log (what reran), and on exported or published images read with
// go-containerregistry (no secret anywhere, labels, tags).
//
// Run with hack/test.sh integration (it provisions the engine). Without an engine the tests
// fail: they never skip.
package integration

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	repoRoot string
	registry string
)

func TestMain(m *testing.M) {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FATAL:", err)
		os.Exit(1)
	}
	repoRoot = root
	registry = os.Getenv("STEPIMAGE_REGISTRY")
	if registry == "" {
		registry = "localhost:5000"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	out, err := exec.CommandContext(ctx, "dagger", "core", "version").CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FATAL: no Dagger engine answers (%v): %s\nStart one with hack/engine.sh up (make test does).\n", err, out)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// result is one `dagger call`: the function's output and the engine's plain progress log.
type result struct {
	stdout string
	log    string
	err    error
}

// call runs `dagger call -m <repo> ARGS...` in dir.
func call(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return callEnv(t, dir, nil, args...)
}

// callEnv is call with extra environment variables (NAME=VALUE) for the CLI, e.g. for
// env:// secrets.
func callEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	return cli(t, dir, env, append([]string{"call", "-m", repoRoot}, args...)...)
}

// cli runs `dagger --progress=plain ARGS...` in dir.
func cli(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dagger", append([]string{"--progress=plain"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	err := cmd.Run()
	t.Logf("dagger %s: %s", strings.Join(args, " "), time.Since(started).Round(time.Millisecond))
	return result{stdout: stdout.String(), log: stripANSI(stderr.String()), err: err}
}

// mustCall is call that fails the test on error, showing the end of the engine's log.
func mustCall(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := call(t, dir, args...)
	if r.err != nil {
		t.Fatalf("dagger call %s: %v\n%s", strings.Join(args, " "), r.err, tail(r.log, 60))
	}
	return r
}

// failCall is call that fails the test unless the call fails; it returns the error output.
func failCall(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := call(t, dir, args...)
	if r.err == nil {
		t.Fatalf("dagger call %s succeeded, want an error; output:\n%s", strings.Join(args, " "), r.stdout)
	}
	return r.log
}

// project writes files (path → contents) into a fresh directory and returns it.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, contents := range files {
		writeFile(t, filepath.Join(dir, name), contents)
	}
	return dir
}

func writeFile(t *testing.T, path, contents string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(contents), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run builds the image and runs argv in it, returning its stdout.
func run(t *testing.T, dir string, buildArgs []string, argv ...string) string {
	t.Helper()
	args := append(append([]string{}, buildArgs...), "with-exec", "--args="+csvList(argv), "stdout")
	return strings.TrimSpace(mustCall(t, dir, args...).stdout)
}

// runImage runs argv in a published image, pulled by the engine as a user's runner would,
// and returns its stdout.
func runImage(t *testing.T, ref string, argv ...string) string {
	t.Helper()
	args := []string{"core", "container", "from", "--address=" + ref, "with-exec", "--args=" + csvList(argv), "stdout"}
	r := cli(t, t.TempDir(), nil, args...)
	if r.err != nil {
		t.Fatalf("dagger %s: %v\n%s", strings.Join(args, " "), r.err, tail(r.log, 40))
	}
	return strings.TrimSpace(r.stdout)
}

// csvList encodes a list argument for the dagger CLI, which reads lists as one CSV record.
func csvList(items []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.Write(items); err != nil {
		panic(err)
	}
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

func stripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func uniqueName(t *testing.T) string {
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return fmt.Sprintf("%s-%d", strings.Trim(name, "-"), time.Now().UnixNano())
}
