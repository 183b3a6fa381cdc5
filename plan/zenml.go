package plan

import (
	"fmt"
	"regexp"
	"strings"

	"dagger/stepimage/settings"
)

// zenmlMissing warns when a parent image the user chose may lack zenml and nothing installs
// it: ZenML installs none on a custom parent either, and the step then fails at its first
// `from zenml import step`.
func zenmlMissing(r *settings.Resolved) string {
	if r.ParentImageIsDefault || r.Dockerfile != "" || strings.Contains(r.ParentImage, "zenml") || r.RequirementsFile != "" ||
		r.PyprojectPath != "" || r.LocalEnvironment != "" {
		return ""
	}
	for _, req := range r.Requirements {
		if name, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(req)), "="); strings.HasPrefix(name, "zenml") {
			return ""
		}
	}
	return fmt.Sprintf("parent_image %s is not a ZenML image and nothing installs zenml: a ZenML step fails to import it (add zenml==%s to requirements, or remove parent_image to get it installed)",
		r.ParentImage, ZenMLVersion)
}

// zenmlVersionRE is a PEP 440 release with an optional pre/post/dev suffix: what pip accepts
// after zenml==, and nothing a requirements file would read as another option.
var zenmlVersionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*((a|b|rc|\.post|\.dev)[0-9]+)*$`)

// IsZenMLVersion reports whether v can follow zenml== in a requirement.
func IsZenMLVersion(v string) bool { return zenmlVersionRE.MatchString(v) }

// zenmlEnv are the variables ZenML's Dockerfile sets after the installs: no repository-init
// warnings, and the ZenML config inside /app.
var zenmlEnv = []settings.EnvVar{
	{Name: "ZENML_ENABLE_REPO_INIT_WARNINGS", Value: "False"},
	{Name: "ZENML_CONFIG_PATH", Value: WorkDir + "/.zenconfig"},
}
