package settings

// descriptions documents every field for the JSON Schema (editor hovers), keyed by
// "<Go type>.<yaml key>", and every type by its Go name. docs/settings.md says the same at length.
var descriptions = map[string]string{
	"runConfig":         "A ZenML run configuration. Only settings.docker, settings.resources and steps.<name>.settings.{docker,resources} matter for images; every other ZenML key is accepted and ignored.",
	"runSettings":       "Settings of one level. docker and resources are read; deployment (pipeline level only) and stack component settings (orchestrator, step_operator.sagemaker, orchestrator:my_k8s, ...) are accepted and ignored. Any other key, or a value that is not a mapping, is an error, as in ZenML.",
	"stepConfig":        "A step's configuration; settings override the pipeline-level settings for this step.",
	"DockerSettings":    "How the step image is built (ZenML's DockerSettings). Unset fields inherit from the pipeline level; maps merge key by key, lists replace.",
	"DockerBuildConfig": "Options for one image build (ZenML's DockerBuildConfig).",
	"ResourceSettings":  "Resources the step requests (ZenML's ResourceSettings).",
	"Requirements":      "Python requirements: a list of specifiers, or the path of a requirements file relative to the source directory.",
	"LocalEnvironment":  "Replicate the local Python environment: true (pip freeze), or the deprecated forms \"pip_freeze\", \"uv_freeze\", \"poetry_export\" or a command as a list. The export is passed in by the caller at build time.",

	"runConfig.settings":    "Pipeline-level settings, applied to every step without its own override.",
	"runConfig.steps":       "Per-step configuration, by step name.",
	"runSettings.docker":    "Docker settings: how the image is built.",
	"runSettings.resources": "Resource settings: CPUs, GPUs and memory the step requests.",
	"stepConfig.settings":   "Step-level settings, merged over the pipeline-level settings.",

	"DockerSettings.parent_image":                             "Image to build on, e.g. python:3.11-slim or pytorch/pytorch:2.2.0-cuda12.1-cudnn8-runtime. Default: " + DefaultParentImage + ". Ignored (with a warning) when dockerfile is set.",
	"DockerSettings.dockerfile":                               "Path of a Dockerfile (relative to the source directory) built first; its image becomes the parent. Overrides parent_image.",
	"DockerSettings.build_context_root":                       "Build context of the Dockerfile, relative to the source directory. Unset: the context holds only the Dockerfile. Only used with dockerfile.",
	"DockerSettings.parent_image_build_config":                "Build options and dockerignore for the Dockerfile build. Only used with dockerfile.",
	"DockerSettings.skip_build":                               "Use parent_image as is, without building anything (no environment, installs or code). Requires parent_image.",
	"DockerSettings.prevent_build_reuse":                      "Always build afresh instead of reusing an image built from the same settings.",
	"DockerSettings.target_repository":                        "Repository name (without registry or tag) the image is pushed to, e.g. my-team/train; the registry comes from the publish call.",
	"DockerSettings.image_tag":                                "An extra tag for the published image, pushed beside the content tag (sha256-...) that publish always pushes; both name the same manifest.",
	"DockerSettings.python_package_installer":                 "Installer for Python packages: uv (default) or pip.",
	"DockerSettings.python_package_installer_cache_mount":     "ZenML's BuildKit --mount for installs (e.g. type=cache,target=/root/.cache/uv). Accepted and without effect: every install here already uses a cache volume (and --no-cache-dir is dropped for it).",
	"DockerSettings.python_package_installer_args":            "Extra installer options, merged over the defaults (pip: no-cache-dir, default-timeout=60; uv: no-cache-dir). Each key becomes --key=value, or --key when the value is null (e.g. system: null for uv into a system Python). Options keep ZenML's order: the defaults, then yours as written. A null in a step's settings is dropped (as ZenML does): set flags at pipeline level.",
	"DockerSettings.replicate_local_python_environment":       "Install the caller's local Python environment: true runs pip freeze (the export is passed in by the caller). The \"pip_freeze\", \"uv_freeze\", \"poetry_export\" and command-list forms are deprecated in ZenML but accepted.",
	"DockerSettings.disable_automatic_requirements_detection": "ZenML's switch for detecting requirements.txt/pyproject.toml automatically. Accepted; this tool never detects requirements automatically (false gives a warning).",
	"DockerSettings.requirements":                             "Python requirements: a list of specifiers (e.g. [\"pandas>=2\"]) or the path of a requirements file relative to the source directory. A list entry may instead be one requirements-file option about wheel sources (e.g. \"--extra-index-url https://download.pytorch.org/whl/cpu\", \"--pre\"); other installer options belong in python_package_installer_args.",
	"DockerSettings.required_integrations":                    "ZenML integrations whose requirements are installed, e.g. [mlflow, huggingface].",
	"DockerSettings.install_stack_requirements":               "Install the requirements of the stack's components. Default: true.",
	"DockerSettings.install_deployment_requirements":          "ZenML installs a deployer's requirements in the images of pipeline deployments. Accepted and without effect: stepimage builds step images, not deployment images.",
	"DockerSettings.local_project_install_command":            "Command that installs the local project after the code is copied, e.g. pip install -e .[train]. Split like a shell command line but run without a shell: no pipes, redirections, variables or &&. Requires allow_including_files_in_images.",
	"DockerSettings.pyproject_path":                           "Path of a pyproject.toml (relative to the source directory) whose dependencies are exported and installed.",
	"DockerSettings.pyproject_export_command":                 "Command (list) that exports the pyproject's dependencies as a requirements file; {directory} is replaced by the pyproject's directory.",
	"DockerSettings.apt_packages":                             "Debian packages to install, e.g. [git, libgomp1]; optionally pkg=version or pkg:arch.",
	"DockerSettings.environment":                              "Environment variables set before any install (build time and in the image), in the order written (a step's new keys after the pipeline's). Values: scalars, rendered like Python's str() (true → True); ${NAME} placeholders are expanded from the caller's values; \"${NAME}\" alone may name a secret, which reaches build steps only.",
	"DockerSettings.runtime_environment":                      "Environment variables set after the last install (in the image only, so changing them reruns no install). ${NAME} placeholders are expanded; secrets are refused here because the values are stored in the image.",
	"DockerSettings.build_config":                             "Build options and dockerignore for the image build.",
	"DockerSettings.user":                                     "User the container runs as: a name useradd accepts (lowercase, at most 32 characters) or a UID, optionally with :group or :GID; /app is owned by it.",
	"DockerSettings.allow_including_files_in_images":          "Allow copying the source code into the image. Default: true.",
	"DockerSettings.allow_download_from_code_repository":      "Allow the step to download code from a code repository at run time. Default: true.",
	"DockerSettings.allow_download_from_artifact_store":       "Allow the step to download code from the artifact store at run time. Default: true.",
	"DockerSettings.dockerignore":                             "Deprecated: use build_config.dockerignore. As in ZenML, used only when build_config.dockerignore is set at no level.",
	"DockerSettings.build_options":                            "Deprecated and without effect, as in ZenML 0.98: use parent_image_build_config.build_options or build_config.build_options.",
	"DockerSettings.source_files":                             "Deprecated: use the allow_* flags (migrated with a warning as ZenML does: download → code repository only; include → image only; download_or_include → both; ignore → none).",
	"DockerSettings.copy_files":                               "Deprecated and without effect.",
	"DockerSettings.copy_global_config":                       "Deprecated and without effect.",
	"DockerSettings.required_hub_plugins":                     "Deprecated and without effect.",

	"DockerBuildConfig.build_options": "Options for the image build, e.g. buildargs or target; merged key by key.",
	"DockerBuildConfig.dockerignore":  "Path of a dockerignore file (relative to the source directory). Unset: .dockerignore at the source root if present.",

	"ResourceSettings.cpu_count": "Number of CPUs (greater than 0, may be fractional); a number written as a string (\"8\") is accepted, as ZenML does.",
	"ResourceSettings.gpu_count": "Number of GPUs (0 or more); an integer written as a string (\"1\") is accepted, as ZenML does. A GPU step also needs a CUDA-enabled parent_image. Resources do not give a step an image of its own.",
	"ResourceSettings.memory":    "Memory, a whole number with a unit: KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB (e.g. 16GB).",
}

// deprecatedFields are marked deprecated in the schema.
var deprecatedFields = []string{"dockerignore", "build_options", "source_files", "copy_files", "copy_global_config", "required_hub_plugins"}
