package settings

// Resolved is the concrete, validated result of merging a step's settings over the pipeline's,
// with defaults applied, deprecated fields migrated and ${VAR} placeholders expanded. It is
// the only settings type the build plan reads: every field has its final value, so the plan
// never needs to know about pointers, defaults or deprecations.
type Resolved struct {
	// Steps lists the steps that share this image (sorted). Resolve sets it to its step (nil for
	// the pipeline level); Images uses PipelineSteps ("*") for the pipeline-level image, also for
	// a bare settings document.
	Steps []string `json:"steps,omitempty"`

	// ParentImage is the image to build on; DefaultParentImage when the user set none, and ""
	// when Dockerfile is set (the Dockerfile's image is the parent; a parent_image is ignored).
	ParentImage string `json:"parent_image"`
	// ParentImageIsDefault is true when ParentImage came from DefaultParentImage.
	ParentImageIsDefault bool `json:"parent_image_is_default,omitempty"`
	// Dockerfile is the path of a Dockerfile relative to the source directory ("" when unset).
	Dockerfile string `json:"dockerfile,omitempty"`
	// BuildContextRoot is the Dockerfile's build context relative to the source directory
	// ("" means: the Dockerfile's own directory only, as ZenML does).
	BuildContextRoot string `json:"build_context_root,omitempty"`
	// ParentImageBuildOptions are build options for the Dockerfile build (build args etc.).
	ParentImageBuildOptions map[string]any `json:"parent_image_build_options,omitempty"`
	// ParentImageDockerignore is parent_image_build_config.dockerignore: the dockerignore file
	// (relative to the source directory) for the Dockerfile build's context ("" when unset).
	ParentImageDockerignore string `json:"parent_image_dockerignore,omitempty"`
	SkipBuild               bool   `json:"skip_build,omitempty"`
	PreventBuildReuse       bool   `json:"prevent_build_reuse,omitempty"`
	TargetRepository        string `json:"target_repository,omitempty"`
	ImageTag                string `json:"image_tag,omitempty"`

	// Dockerignore is the path of the dockerignore file relative to the source directory
	// ("" means: use .dockerignore at the source root if present).
	Dockerignore string `json:"dockerignore,omitempty"`
	// BuildOptions are build_config.build_options (kept for the digest and the Dockerfile path).
	BuildOptions map[string]any `json:"build_options,omitempty"`

	Installer Installer `json:"python_package_installer"`
	// InstallerArgs are ZenML's defaults for Installer merged with the user's args, in ZenML's
	// order ({**defaults, **args}: the defaults, then the user's options as written).
	InstallerArgs []InstallerArg `json:"python_package_installer_args,omitempty"`

	// LocalEnvironment is how the local environment is replicated: "" (off), "pip_freeze",
	// "uv_freeze", "poetry_export" or "command" (LocalEnvironmentCommand holds the argv). The
	// export itself is passed in by the caller at build time: a module function cannot run on
	// the caller's machine.
	LocalEnvironment         LocalEnvironmentMethod `json:"replicate_local_python_environment,omitempty"`
	LocalEnvironmentCommand  []string               `json:"replicate_local_python_environment_command,omitempty"`
	InstallStackRequirements bool                   `json:"install_stack_requirements"`
	RequiredIntegrations     []string               `json:"required_integrations,omitempty"`
	// PyprojectPath is the pyproject.toml path relative to the source directory ("" when unset).
	PyprojectPath string `json:"pyproject_path,omitempty"`
	// PyprojectExportCommand overrides the export command (argv), as ZenML's
	// pyproject_export_command; "{directory}" is replaced by the pyproject's directory.
	PyprojectExportCommand []string `json:"pyproject_export_command,omitempty"`
	// Requirements are explicit requirement specifiers (from a list).
	Requirements []string `json:"requirements,omitempty"`
	// UVRequirementFlags are uv command-line flags that the install of Requirements must carry
	// when Installer is uv: uv ignores --pre and --trusted-host inside a requirements file (with
	// only a warning), so they come as --prerelease=allow and --allow-insecure-host=HOST. The
	// entries stay in Requirements (uv skips them; pip would read them).
	UVRequirementFlags []string `json:"uv_requirement_flags,omitempty"`
	// RequirementsFile is the path (relative to the source directory) when requirements was a string.
	RequirementsFile string `json:"requirements_file,omitempty"`

	// LocalProjectInstallCommand is the argv of local_project_install_command (split with
	// shell-like quoting rules but never run through a shell).
	LocalProjectInstallCommand []string `json:"local_project_install_command,omitempty"`

	AptPackages []string `json:"apt_packages,omitempty"`

	// Environment is set before installs (build time), in ZenML's order: the pipeline's keys as
	// written, then the keys only the step sets.
	Environment []EnvVar `json:"environment,omitempty"`
	// RuntimeEnvironment is set after the last install, in the same order.
	RuntimeEnvironment []EnvVar `json:"runtime_environment,omitempty"`

	AllowIncludingFilesInImages     bool `json:"allow_including_files_in_images"`
	AllowDownloadFromCodeRepository bool `json:"allow_download_from_code_repository"`
	AllowDownloadFromArtifactStore  bool `json:"allow_download_from_artifact_store"`

	// User is the user (name or UID) the image runs as ("" keeps the parent's).
	User string `json:"user,omitempty"`

	// Resources are the step's resource requests (for an Image, the largest of its steps'); they
	// are not part of the image key.
	Resources ResolvedResources `json:"resources"`
}

// ResolvedResources are the step's resource requests (zero when unset).
type ResolvedResources struct {
	CPUCount float64 `json:"cpu_count,omitempty"`
	GPUCount int     `json:"gpu_count,omitempty"`
	Memory   string  `json:"memory,omitempty"`
}

// InstallerArg is one installer option: rendered "--Name" when Value is nil, else "--Name=Value".
type InstallerArg struct {
	Name  string  `json:"name"`
	Value *string `json:"value,omitempty"`
}

// EnvVar is one environment variable after ${VAR} expansion.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Secret is true when the value came (wholly or partly) from a secret the caller passed:
	// it must only ever reach build steps as a secret variable, never the image.
	// SecretName then names the caller's secret (for a whole-value reference "${NAME}").
	Secret     bool   `json:"secret,omitempty"`
	SecretName string `json:"secret_name,omitempty"`
}

// DefaultParentImage is the parent image used when the settings name none. ZenML uses its own
// image; we use a plain Python image, which every registry mirror carries.
const DefaultParentImage = "python:3.11-slim"

// Installer installs Python packages: ZenML's python_package_installer.
type Installer string

const (
	InstallerUV  Installer = "uv"
	InstallerPip Installer = "pip"
)

// LocalEnvironmentMethod is how replicate_local_python_environment exports the environment.
type LocalEnvironmentMethod string

const (
	LocalEnvironmentPipFreeze LocalEnvironmentMethod = "pip_freeze"
	// LocalEnvironmentUVFreeze is `uv pip freeze` (ZenML 0.98's uv_freeze).
	LocalEnvironmentUVFreeze     LocalEnvironmentMethod = "uv_freeze"
	LocalEnvironmentPoetryExport LocalEnvironmentMethod = "poetry_export"
	// LocalEnvironmentCommand runs Resolved.LocalEnvironmentCommand.
	LocalEnvironmentCommand LocalEnvironmentMethod = "command"
)
