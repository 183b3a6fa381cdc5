package settings

import "encoding/json"

// DockerSettings mirrors ZenML's DockerSettings as written in a run configuration. Every field is
// optional: a nil pointer, slice or map means "not set here", so that a step's settings can be
// merged over the pipeline's without unset values overriding set ones.
//
// The jsonschema tags hold enums and defaults; descriptions live in reference.go.
type DockerSettings struct {
	ParentImage            *string            `yaml:"parent_image,omitempty" json:"parent_image,omitempty"`
	Dockerfile             *string            `yaml:"dockerfile,omitempty" json:"dockerfile,omitempty"`
	BuildContextRoot       *string            `yaml:"build_context_root,omitempty" json:"build_context_root,omitempty"`
	ParentImageBuildConfig *DockerBuildConfig `yaml:"parent_image_build_config,omitempty" json:"parent_image_build_config,omitempty"`
	SkipBuild              *bool              `yaml:"skip_build,omitempty" json:"skip_build,omitempty" jsonschema:"default=false"`
	PreventBuildReuse      *bool              `yaml:"prevent_build_reuse,omitempty" json:"prevent_build_reuse,omitempty" jsonschema:"default=false"`
	TargetRepository       *string            `yaml:"target_repository,omitempty" json:"target_repository,omitempty"`
	ImageTag               *string            `yaml:"image_tag,omitempty" json:"image_tag,omitempty"`

	PythonPackageInstaller *string `yaml:"python_package_installer,omitempty" json:"python_package_installer,omitempty" jsonschema:"enum=uv,enum=pip,default=uv"`
	// PythonPackageInstallerCacheMount is accepted for ZenML's sake and has no effect: every
	// install already has a cache volume.
	PythonPackageInstallerCacheMount *string        `yaml:"python_package_installer_cache_mount,omitempty" json:"python_package_installer_cache_mount,omitempty"`
	PythonPackageInstallerArgs       map[string]any `yaml:"python_package_installer_args,omitempty" json:"python_package_installer_args,omitempty" decode:"args"`

	ReplicateLocalPythonEnvironment       *LocalEnvironment `yaml:"replicate_local_python_environment,omitempty" json:"replicate_local_python_environment,omitempty"`
	DisableAutomaticRequirementsDetection *bool             `yaml:"disable_automatic_requirements_detection,omitempty" json:"disable_automatic_requirements_detection,omitempty" jsonschema:"default=true"`
	Requirements                          *Requirements     `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	RequiredIntegrations                  []string          `yaml:"required_integrations,omitempty" json:"required_integrations,omitempty"`
	InstallStackRequirements              *bool             `yaml:"install_stack_requirements,omitempty" json:"install_stack_requirements,omitempty" jsonschema:"default=true"`
	// InstallDeploymentRequirements only concerns the images of ZenML deployers, which stepimage
	// does not build; accepted for ZenML's sake.
	InstallDeploymentRequirements *bool    `yaml:"install_deployment_requirements,omitempty" json:"install_deployment_requirements,omitempty" jsonschema:"default=true"`
	LocalProjectInstallCommand    *string  `yaml:"local_project_install_command,omitempty" json:"local_project_install_command,omitempty"`
	PyprojectPath                 *string  `yaml:"pyproject_path,omitempty" json:"pyproject_path,omitempty"`
	PyprojectExportCommand        []string `yaml:"pyproject_export_command,omitempty" json:"pyproject_export_command,omitempty"`

	AptPackages        []string           `yaml:"apt_packages,omitempty" json:"apt_packages,omitempty"`
	Environment        map[string]any     `yaml:"environment,omitempty" json:"environment,omitempty" decode:"env"`
	RuntimeEnvironment map[string]any     `yaml:"runtime_environment,omitempty" json:"runtime_environment,omitempty" decode:"env"`
	BuildConfig        *DockerBuildConfig `yaml:"build_config,omitempty" json:"build_config,omitempty"`
	User               *string            `yaml:"user,omitempty" json:"user,omitempty"`

	AllowIncludingFilesInImages     *bool `yaml:"allow_including_files_in_images,omitempty" json:"allow_including_files_in_images,omitempty" jsonschema:"default=true"`
	AllowDownloadFromCodeRepository *bool `yaml:"allow_download_from_code_repository,omitempty" json:"allow_download_from_code_repository,omitempty" jsonschema:"default=true"`
	AllowDownloadFromArtifactStore  *bool `yaml:"allow_download_from_artifact_store,omitempty" json:"allow_download_from_artifact_store,omitempty" jsonschema:"default=true"`

	// Deprecated in ZenML; migrated while loading (see migrate.go).
	Dockerignore       *string        `yaml:"dockerignore,omitempty" json:"dockerignore,omitempty"`
	BuildOptions       map[string]any `yaml:"build_options,omitempty" json:"build_options,omitempty"`
	SourceFiles        *string        `yaml:"source_files,omitempty" json:"source_files,omitempty" jsonschema:"enum=download,enum=include,enum=download_or_include,enum=ignore"`
	CopyFiles          *bool          `yaml:"copy_files,omitempty" json:"copy_files,omitempty"`
	CopyGlobalConfig   *bool          `yaml:"copy_global_config,omitempty" json:"copy_global_config,omitempty"`
	RequiredHubPlugins []string       `yaml:"required_hub_plugins,omitempty" json:"required_hub_plugins,omitempty"`
}

// DockerBuildConfig is ZenML's DockerBuildConfig: options for one image build.
type DockerBuildConfig struct {
	BuildOptions map[string]any `yaml:"build_options,omitempty" json:"build_options,omitempty"`
	Dockerignore *string        `yaml:"dockerignore,omitempty" json:"dockerignore,omitempty"`
}

// ResourceSettings mirrors ZenML's ResourceSettings (the fields that matter for an image's step).
type ResourceSettings struct {
	CPUCount *float64 `yaml:"cpu_count,omitempty" json:"cpu_count,omitempty" jsonschema:"exclusiveMinimum=0"`
	GPUCount *int     `yaml:"gpu_count,omitempty" json:"gpu_count,omitempty" jsonschema:"minimum=0"`
	Memory   *string  `yaml:"memory,omitempty" json:"memory,omitempty" jsonschema:"pattern=^[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)$"`
}

// Requirements is ZenML's `requirements`: either a list of requirement specifiers or the path of
// a requirements file (relative to the source directory).
type Requirements struct {
	List   []string `json:"-"`
	File   string   `json:"-"`
	IsFile bool     `json:"-"`
}

// LocalEnvironment is `replicate_local_python_environment`: a bool (true means pip freeze), one
// of the export methods "pip_freeze" / "uv_freeze" / "poetry_export", or a command (argv) whose output is a
// requirements file. The last two forms are deprecated in ZenML but still accepted.
type LocalEnvironment struct {
	Enabled bool     `json:"-"` // the bool form, or true for the other forms
	Method  string   `json:"-"` // "pip_freeze", "uv_freeze", "poetry_export", or "" for the bool/command forms
	Command []string `json:"-"` // the command form
	IsBool  bool     `json:"-"`
}

// StepSettings are the settings of one level (pipeline or step) of a run configuration.
type StepSettings struct {
	Docker    *DockerSettings   // nil when absent
	Resources *ResourceSettings // nil when absent
}

// Vars are the caller's values for ${VAR} placeholders (a Dagger module function cannot see the
// caller's environment).
type Vars struct {
	Values  map[string]string // plain values
	Secrets map[string]bool   // names of values the caller passed as secrets (plaintext never reaches this package)
	// KeepMissing keeps a placeholder without a value as written, with a warning, instead of
	// failing: for validate and plan, which inspect a file whose values come at build time.
	KeepMissing bool
}

// Config is a loaded run configuration.
type Config struct {
	File     string                  // file name used in messages
	Pipeline StepSettings            // settings.docker / settings.resources at pipeline level
	Steps    map[string]StepSettings // per-step settings, by step name
	Warnings []Warning               // deprecations and ignored keys found while loading

	// bare is true for a bare DockerSettings document (top-level keys are DockerSettings fields).
	bare bool
	// order maps the path of a free-form mapping (environment, runtime_environment,
	// python_package_installer_args) to its keys in the order written, which ZenML keeps.
	order map[string][]string
	// pos maps a field path as shown in messages to its YAML position, so that errors found
	// after loading (validation, missing files) can still name a line.
	pos map[string]position
}

// Image is one distinct image of a configuration and the steps that use it. Steps share an
// image when their Docker settings are equal, whatever resources they request (as in ZenML).
type Image struct {
	Key   string   // short stable hex hash of the resolved settings (sorted JSON; prevent_build_reuse, Steps and Resources excluded)
	Steps []string // sorted; the pipeline-level image uses the name PipelineSteps (listed first)
	// Settings.Steps == Steps; Settings.Resources are the most any step of the image requests
	// (see Resources for each step's).
	Settings *Resolved
	// Resources are each step's resource requests, by name in Steps.
	Resources map[string]ResolvedResources
}

// PipelineSteps stands for "every step without its own override".
const PipelineSteps = "*"

// position is a 1-based YAML line and column (0 when unknown).
type position struct{ line, col int }

// MarshalJSON writes requirements in the form they were given (path or list).
func (r Requirements) MarshalJSON() ([]byte, error) { return json.Marshal(r.value()) }

// MarshalYAML writes requirements in the form they were given (path or list).
func (r Requirements) MarshalYAML() (any, error) { return r.value(), nil }

func (r Requirements) value() any {
	if r.IsFile {
		return r.File
	}
	return r.List
}

// MarshalJSON writes the setting in the form it was given (bool, method or command).
func (l LocalEnvironment) MarshalJSON() ([]byte, error) { return json.Marshal(l.value()) }

// MarshalYAML writes the setting in the form it was given (bool, method or command).
func (l LocalEnvironment) MarshalYAML() (any, error) { return l.value(), nil }

func (l LocalEnvironment) value() any {
	switch {
	case l.IsBool:
		return l.Enabled
	case l.Method != "":
		return l.Method
	}
	return l.Command
}
