package main

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"dagger/tests/internal/dagger"
)

// schemaModeline is the first line of every example settings file: editors validate against
// the committed schema.
const schemaModeline = "# yaml-language-server: $schema=../../schema/stepimage.schema.json"

// example returns the folder of an example after checking its settings files (settings*.yaml),
// as a user of the example would first: each starts with the schema modeline and validates
// with the folder as its source. It returns validate's output for each file, by name.
func example(ctx context.Context, examples *dagger.Directory, name string) (*dagger.Directory, map[string]string, error) {
	dir := examples.Directory(name)
	files, err := dir.Glob(ctx, "settings*.yaml")
	if err != nil {
		return nil, nil, fmt.Errorf("listing examples/%s/settings*.yaml: %w", name, err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("examples/%s has no settings*.yaml", name)
	}
	validated := map[string]string{}
	for _, file := range files {
		contents, err := dir.File(file).Contents(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("reading examples/%s/%s: %w", name, file, err)
		}
		if first, _, _ := strings.Cut(contents, "\n"); first != schemaModeline {
			return nil, nil, fmt.Errorf("examples/%s/%s: first line is %q, want %q", name, file, first, schemaModeline)
		}
		out, err := dag.Stepimage().Validate(ctx, dir.File(file), dagger.StepimageValidateOpts{Source: dir})
		if err != nil {
			return nil, nil, fmt.Errorf("validate examples/%s/%s: %w", name, file, err)
		}
		if !strings.HasPrefix(out, path.Base(file)+": valid, ") {
			return nil, nil, fmt.Errorf("validate examples/%s/%s printed:\n%s", name, file, indent(out))
		}
		validated[file] = out
	}
	return dir, validated, nil
}

// exec runs argv in ctr and returns its stdout without the trailing newline. A failed command
// is reported with its exit code and the end of its stderr.
func exec(ctx context.Context, ctr *dagger.Container, argv ...string) (string, error) {
	out, err := ctr.WithExec(argv).Stdout(ctx)
	if err != nil {
		var execErr *dagger.ExecError
		if errors.As(err, &execErr) {
			return "", fmt.Errorf("%s: exit code %d\n%s", strings.Join(argv, " "), execErr.ExitCode, indent(lastLines(execErr.Stderr+execErr.Stdout, 15)))
		}
		return "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return strings.TrimRight(out, "\n"), nil
}

// sh runs a shell script in ctr (see exec).
func sh(ctx context.Context, ctr *dagger.Container, script string) (string, error) {
	return exec(ctx, ctr, "sh", "-c", script)
}

// expectLines compares outputs line by line and names the first difference.
func expectLines(what, got string, want ...string) error {
	gotLines := strings.Split(got, "\n")
	if len(gotLines) != len(want) {
		return fmt.Errorf("%s: got %d line(s), want %d:\n  got:  %q\n  want: %q", what, len(gotLines), len(want), gotLines, want)
	}
	for i := range want {
		if gotLines[i] != want[i] {
			return fmt.Errorf("%s, line %d: got %q, want %q (whole output: %q)", what, i+1, gotLines[i], want[i], got)
		}
	}
	return nil
}

// expectContains checks that text contains every wanted string.
func expectContains(what, text string, want ...string) error {
	for _, w := range want {
		if !strings.Contains(text, w) {
			return fmt.Errorf("%s lacks %q; it is:\n%s", what, w, indent(text))
		}
	}
	return nil
}

// expectError checks that err is an error whose text contains every wanted string.
func expectError(what string, err error, want ...string) error {
	if err == nil {
		return fmt.Errorf("%s succeeded, want an error mentioning %q", what, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			return fmt.Errorf("%s: the error lacks %q; it is:\n%s", what, w, indent(lastLines(err.Error(), 30)))
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// lockedVersion reads a package's version from a uv.lock.
func lockedVersion(lock, name string) (string, error) {
	re := regexp.MustCompile(`(?m)^name = "` + regexp.QuoteMeta(name) + `"\nversion = "([^"]+)"`)
	match := re.FindStringSubmatch(lock)
	if match == nil {
		return "", fmt.Errorf("uv.lock has no package %s", name)
	}
	return match[1], nil
}

// packagesScript lists the installed distributions (normalised name==version, sorted) and
// ends with pip's or uv's check, which fails on a broken requirement.
const packagesScript = `python3 -c 'import importlib.metadata as m, re
print("\n".join(sorted({re.sub(r"[-_.]+", "-", (d.metadata["Name"] or "")).lower() + "==" + d.version for d in m.distributions()})))'
if python3 -m pip --version >/dev/null 2>&1; then python3 -m pip check; else uv pip check --system; fi`

// sameAsSequential checks that an image built with the layered layout (the default) holds
// exactly the packages of the same image built with the sequential one, and that both pass
// pip check. It returns how many distributions they hold.
func sameAsSequential(ctx context.Context, what string, layered, sequential *dagger.Container) (int, error) {
	got, err := sh(ctx, layered, packagesScript)
	if err != nil {
		return 0, fmt.Errorf("%s, layered layout: %w", what, err)
	}
	want, err := sh(ctx, sequential, packagesScript)
	if err != nil {
		return 0, fmt.Errorf("%s, sequential layout: %w", what, err)
	}
	if got != want {
		return 0, fmt.Errorf("%s: the layered layout installed other packages than the sequential one:\nlayered:\n%s\nsequential:\n%s", what, indent(got), indent(want))
	}
	return strings.Count(got, "=="), nil
}

// sequentialLayout builds with the sequential layout, for sameAsSequential.
var sequentialLayout = dagger.StepimageOpts{Layout: "sequential"}
