package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Integration is what one ZenML integration adds to an image. The table is deliberately small:
// it names the packages ZenML's integration classes install (zenml/integrations/*/__init__.py,
// REQUIREMENTS and APT_PACKAGES), with loose bounds so that user requirements can still pin.
type Integration struct {
	Requirements []string
	AptPackages  []string
}

// Integrations maps a ZenML integration name to its packages. Extending it is a one-line change.
var Integrations = map[string]Integration{
	"sklearn":     {Requirements: []string{"scikit-learn>1.0"}},
	"pandas":      {Requirements: []string{"pandas>=2.0"}},
	"pytorch":     {Requirements: []string{"torch"}},
	"tensorflow":  {Requirements: []string{"tensorflow>=2.12"}},
	"huggingface": {Requirements: []string{"transformers", "datasets", "huggingface_hub"}},
	"mlflow":      {Requirements: []string{"mlflow>=2.1.1"}},
	"xgboost":     {Requirements: []string{"xgboost>=1.0.0"}, AptPackages: []string{"libgomp1"}},
	"lightgbm":    {Requirements: []string{"lightgbm>=1.0.0"}, AptPackages: []string{"libgomp1"}},
	"wandb":       {Requirements: []string{"wandb>=0.12.12"}},
	"s3":          {Requirements: []string{"s3fs>2022.3.0", "boto3"}},
	"gcp":         {Requirements: []string{"gcsfs", "google-cloud-storage>=2.9.0"}},
	"azure":       {Requirements: []string{"adlfs>=2021.10.0", "azure-identity"}},
	"kubernetes":  {Requirements: []string{"kubernetes>=21.7,<26"}},
	"evidently":   {Requirements: []string{"evidently>=0.4.16"}},
	"opencv":      {Requirements: []string{"opencv-python-headless"}, AptPackages: []string{"libgl1", "libglib2.0-0"}},
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

// resolveIntegrations returns the requirements and apt packages of the named integrations.
func resolveIntegrations(names []string) (requirements, aptPackages []string, err error) {
	for _, name := range names {
		integration, ok := Integrations[strings.ToLower(name)]
		if !ok {
			return nil, nil, fmt.Errorf("required_integrations: unknown integration %q; known: %s (add its packages to requirements instead)",
				name, strings.Join(integrationNames(), ", "))
		}
		requirements = append(requirements, integration.Requirements...)
		aptPackages = append(aptPackages, integration.AptPackages...)
	}
	return requirements, aptPackages, nil
}
