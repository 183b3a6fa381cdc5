package layers

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
)

// LayerError reports a failed layer by name, with the command it ran, the tail of its stderr
// and, where the failure is a known one, the fix.
type LayerError struct {
	Kind       plan.Kind
	Command    []string
	ExitCode   int
	StderrTail string
	Hint       string
}

func (e *LayerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "layer %q failed (exit code %d)\n  command: %s\n", e.Kind, e.ExitCode, strings.Join(e.Command, " "))
	if e.StderrTail != "" {
		b.WriteString("  stderr (last lines):\n")
		for _, line := range strings.Split(e.StderrTail, "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	if e.Hint != "" {
		b.WriteString("  fix: " + e.Hint + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

const stderrTailLines = 15

// Explain turns an engine exec failure into a LayerError naming the plan layer that ran it;
// other errors pass through with context.
func Explain(err error, p *plan.Plan) error {
	var execErr *dagger.ExecError
	if !errors.As(err, &execErr) {
		return fmt.Errorf("building image: %w", err)
	}
	stderr := strings.TrimSpace(execErr.Stderr)
	if stderr == "" {
		stderr = strings.TrimSpace(execErr.Stdout)
	}
	lines := strings.Split(stderr, "\n")
	if len(lines) > stderrTailLines {
		lines = lines[len(lines)-stderrTailLines:]
	}
	kind := layerOf(execErr.Cmd, p)
	return &LayerError{
		Kind:       kind,
		Command:    execErr.Cmd,
		ExitCode:   execErr.ExitCode,
		StderrTail: strings.Join(lines, "\n"),
		Hint:       hint(kind, execErr.ExitCode, stderr),
	}
}

// layerOf finds the layer that ran argv by a token only that layer's command carries.
func layerOf(argv []string, p *plan.Plan) plan.Kind {
	has := func(token string) bool { return slices.Contains(argv, token) }
	for _, layer := range p.Layers {
		switch layer.Kind {
		case plan.KindApt:
			if has("stepimage-apt") {
				return layer.Kind
			}
		case plan.KindInstaller:
			if has(plan.UVRequirement) {
				return layer.Kind
			}
		case plan.KindPyproject:
			// The install reads the exported file; the export names the pyproject's directory.
			if has(layer.RequirementsFile) || slices.ContainsFunc(argv, func(arg string) bool {
				return strings.Contains(arg, path.Join(plan.InputsDir, "pyproject"))
			}) {
				return layer.Kind
			}
		case plan.KindLocalEnv, plan.KindStack, plan.KindIntegrations, plan.KindRequirements:
			if has(layer.RequirementsFile) {
				return layer.Kind
			}
		case plan.KindLocalInstall:
			if slices.Equal(argv, layer.Command) {
				return layer.Kind
			}
		case plan.KindUser, plan.KindCode:
			if has("stepimage-user") {
				return plan.KindUser
			}
		}
	}
	return "unknown"
}

func hint(kind plan.Kind, exitCode int, stderr string) string {
	lower := strings.ToLower(stderr)
	switch {
	case exitCode == 127 && (kind == plan.KindInstaller || strings.Contains(lower, "python")):
		return "the parent image has no Python (or no pip): use a parent image with Python 3 and pip, e.g. python:3.11-slim, or add python3 and python3-pip to apt_packages"
	case strings.Contains(lower, "no virtual environment found"):
		return "uv found no virtual environment: set python_package_installer_args: {system: null}, or activate a venv in the parent image"
	case kind == plan.KindApt && strings.Contains(lower, "unable to locate package"):
		return "an apt package does not exist for this parent image's distribution: check apt_packages"
	case kind == plan.KindApt && strings.Contains(lower, "apt-get: not found"):
		return "the parent image has no apt-get (not Debian/Ubuntu based): remove apt_packages or pick a Debian-based parent"
	case strings.Contains(lower, "no matching distribution") || strings.Contains(lower, "no solution found") || strings.Contains(lower, "because there is no version"):
		return "a requirement cannot be satisfied: check its name and version bounds, and PIP_INDEX_URL/UV_INDEX_URL in environment for private indexes"
	case strings.Contains(lower, "401") || strings.Contains(lower, "403") || strings.Contains(lower, "unauthorized"):
		return "the package index refused the credentials: pass them as a secret (--secret NAME=env://VAR) referenced as ${NAME} in environment"
	case kind == plan.KindLocalInstall:
		return "local_project_install_command failed in /app: run it locally in a clean checkout to reproduce"
	}
	return ""
}
