package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"dagger/tests/internal/dagger"
)

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
