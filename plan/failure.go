package plan

import (
	"regexp"
	"slices"
	"strings"
)

// KindUnknown is what LayerOf returns for a command no layer ran.
const KindUnknown Kind = "unknown"

// LayerOf finds the layer that ran argv, as the engine reports a failed exec: every exec's
// argv is complete in the plan, so the match is exact.
func (p *Plan) LayerOf(argv []string) Kind {
	// A layered install that fell back runs its sources' execs.
	for _, layer := range append(slices.Clone(p.Layers), p.Sequential()...) {
		for _, exec := range layer.Execs {
			if slices.Equal(exec.Argv, argv) {
				return layer.Kind
			}
		}
	}
	// A bucket's install is computed at build time: it is the packages layer's, whatever its pins.
	if p.Find(KindPackages) != nil && slices.Contains(argv, "--no-deps") && len(argv) > 3 && slices.Equal(argv[:3], []string{"uv", "pip", "install"}) {
		return KindPackages
	}
	return KindUnknown
}

// refusedCredentials matches HTTP 401/403 answers, not any "401" in a version or a hash.
var refusedCredentials = regexp.MustCompile(`\b(401|403)\b|unauthorized|forbidden`)

// FailureHint is the fix for a known failure of a layer, or "".
func FailureHint(kind Kind, exitCode int, stderr string) string {
	lower := strings.ToLower(stderr)
	switch {
	case exitCode == 127 && (kind == KindInstaller || strings.Contains(lower, "python") || strings.Contains(lower, "pip")):
		return "the parent image has no Python (or no pip): use a parent image with Python 3 and pip, e.g. python:3.11-slim, or add python3 and python3-pip to apt_packages"
	case strings.Contains(lower, "no virtual environment found"):
		return "uv found no virtual environment: set python_package_installer_args: {system: null}, or activate a venv in the parent image"
	case kind == KindApt && strings.Contains(lower, "unable to locate package"):
		return "an apt package does not exist for this parent image's distribution: check apt_packages"
	case kind == KindApt && strings.Contains(lower, "apt-get: not found"):
		return "the parent image has no apt-get (not Debian/Ubuntu based): remove apt_packages or pick a Debian-based parent"
	case strings.Contains(lower, "no matching distribution") || strings.Contains(lower, "no solution found") || strings.Contains(lower, "because there is no version"):
		return "a requirement cannot be satisfied: check its name and version bounds, and PIP_INDEX_URL/UV_INDEX in environment for private indexes"
	case refusedCredentials.MatchString(lower):
		return "the package index refused the credentials: pass them as a secret (with-secret --name=NAME --value=env://VAR) referenced as \"${NAME}\" in environment"
	case kind == KindLocalInstall:
		return "local_project_install_command failed in /app: run it locally in a clean checkout to reproduce"
	}
	return ""
}
