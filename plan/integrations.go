package plan

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

//go:generate ../hack/zenml/generate.sh

// Integration is what one ZenML integration adds to an image: the requirements and apt packages
// ZenML's image builder installs for it. The catalogue itself, Integrations, is generated from
// ZenML's own package (integrations_gen.go), so it cannot drift from the release it names.
type Integration struct {
	Requirements []string
	AptPackages  []string
}

// integrationNames returns the known names, sorted, for error messages.
func integrationNames() []string {
	names := make([]string, 0, len(Integrations))
	for name := range Integrations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// resolveIntegrations returns the requirements and apt packages of the named integrations. An
// unknown name is an error, or, when lenient (inspection only), a warning.
func resolveIntegrations(names []string, lenient bool) (requirements, aptPackages, warnings []string, err error) {
	for _, name := range names {
		integration, ok := Integrations[strings.ToLower(strings.ReplaceAll(name, "-", "_"))]
		if !ok {
			message := fmt.Sprintf("required_integrations: unknown integration %q; known: %s (add its packages to requirements instead)",
				name, strings.Join(integrationNames(), ", "))
			if !lenient {
				return nil, nil, nil, errors.New(message)
			}
			warnings = append(warnings, message)
			continue
		}
		requirements = append(requirements, integration.Requirements...)
		aptPackages = append(aptPackages, integration.AptPackages...)
	}
	return requirements, aptPackages, warnings, nil
}
