package plan

import (
	"errors"
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

// Integrations maps a ZenML integration name to its packages: ZenML's catalogue, so that run
// configurations from real projects plan without surprises. Extending it is a one-line change.
var Integrations = map[string]Integration{
	"airflow":             {},
	"argilla":             {Requirements: []string{"argilla>=1.20.0"}},
	"aws":                 {Requirements: []string{"sagemaker>=2.117.0", "kubernetes", "aws-profile-manager", "boto3"}},
	"azure":               {Requirements: []string{"azure-storage-blob>=12.17.0", "azure-identity", "azure-keyvault-secrets", "adlfs>=2021.10.0", "azureml-core", "kubernetes"}},
	"bentoml":             {Requirements: []string{"bentoml>=1.0.10"}},
	"bitbucket":           {},
	"comet":               {Requirements: []string{"comet-ml>=3.0.0"}},
	"databricks":          {Requirements: []string{"databricks-sdk"}},
	"deepchecks":          {Requirements: []string{"deepchecks>=0.18.0"}},
	"discord":             {Requirements: []string{"discord.py>=2.3.2", "aiohttp>=3.8.1"}},
	"evidently":           {Requirements: []string{"evidently>=0.4.16"}},
	"facets":              {Requirements: []string{"facets-overview>=1.0.0"}},
	"feast":               {Requirements: []string{"feast>=0.12.0"}},
	"gcp":                 {Requirements: []string{"kfp>=2.6.0", "gcsfs", "google-cloud-secret-manager", "google-cloud-container>=2.21.0", "google-cloud-artifact-registry>=1.11.3", "google-cloud-storage>=2.9.0", "google-cloud-aiplatform>=1.34.0", "google-cloud-build>=3.11.0", "kubernetes"}},
	"github":              {Requirements: []string{"pygithub"}},
	"gitlab":              {Requirements: []string{"python-gitlab"}},
	"great_expectations":  {Requirements: []string{"great-expectations>=0.17.15"}},
	"huggingface":         {Requirements: []string{"transformers", "datasets", "huggingface_hub", "accelerate"}},
	"hyperai":             {Requirements: []string{"paramiko>=3.4.0"}},
	"kaniko":              {},
	"kubeflow":            {Requirements: []string{"kfp>=2.6.0", "kfp-kubernetes>=1.1.0"}},
	"kubernetes":          {Requirements: []string{"kubernetes>=21.7,<26"}},
	"label_studio":        {Requirements: []string{"label-studio-sdk>=1.0.0"}},
	"langchain":           {Requirements: []string{"langchain", "langchain-community"}},
	"lightgbm":            {Requirements: []string{"lightgbm>=1.0.0"}, AptPackages: []string{"libgomp1"}},
	"lightning":           {Requirements: []string{"lightning-sdk>=0.1.17"}},
	"llama_index":         {Requirements: []string{"llama-index"}},
	"mlflow":              {Requirements: []string{"mlflow>=2.1.1"}},
	"modal":               {Requirements: []string{"modal>=0.64.49"}},
	"neptune":             {Requirements: []string{"neptune"}},
	"neural_prophet":      {Requirements: []string{"neuralprophet>=0.3.2"}},
	"numpy":               {Requirements: []string{"numpy"}},
	"openai":              {Requirements: []string{"openai>=0.27.0"}},
	"opencv":              {Requirements: []string{"opencv-python-headless"}, AptPackages: []string{"libgl1", "libglib2.0-0"}},
	"pandas":              {Requirements: []string{"pandas>=2.0"}},
	"pigeon":              {Requirements: []string{"ipywidgets>=8.0.0"}},
	"pillow":              {Requirements: []string{"Pillow>=9.2.0"}},
	"polars":              {Requirements: []string{"polars>=0.19.5", "pyarrow>=12.0.0"}},
	"pycaret":             {Requirements: []string{"pycaret>=3.0.0"}},
	"pytorch":             {Requirements: []string{"torch"}},
	"pytorch_lightning":   {Requirements: []string{"pytorch_lightning"}},
	"s3":                  {Requirements: []string{"s3fs>2022.3.0", "boto3"}},
	"scipy":               {Requirements: []string{"scipy"}},
	"seldon":              {Requirements: []string{"kubernetes>=18.20.0"}},
	"sklearn":             {Requirements: []string{"scikit-learn>1.0"}},
	"skypilot_aws":        {Requirements: []string{"skypilot[aws]"}},
	"skypilot_azure":      {Requirements: []string{"skypilot[azure]"}},
	"skypilot_gcp":        {Requirements: []string{"skypilot[gcp]"}},
	"skypilot_kubernetes": {Requirements: []string{"skypilot[kubernetes]"}},
	"slack":               {Requirements: []string{"slack-sdk>=3.16.1"}},
	"spark":               {Requirements: []string{"pyspark>=3.2.1"}},
	"tekton":              {Requirements: []string{"kfp>=2.6.0", "kfp-tekton"}},
	"tensorboard":         {Requirements: []string{"tensorboard>=2.12"}},
	"tensorflow":          {Requirements: []string{"tensorflow>=2.12"}},
	"vllm":                {Requirements: []string{"vllm>=0.6.0"}},
	"wandb":               {Requirements: []string{"wandb>=0.12.12"}},
	"whylogs":             {Requirements: []string{"whylogs[viz]>=1.0.0"}},
	"xgboost":             {Requirements: []string{"xgboost>=1.0.0"}, AptPackages: []string{"libgomp1"}},
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
