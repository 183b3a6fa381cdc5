package plan

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"dagger/stepimage/settings"
)

// Kind names what a layer does.
type Kind string

// The layer kinds, in the order they appear in a plan.
const (
	KindParent       Kind = "parent"
	KindDockerfile   Kind = "dockerfile"
	KindBuildEnv     Kind = "build-env"
	KindApt          Kind = "apt"
	KindInstaller    Kind = "installer"
	KindLocalEnv     Kind = "local-environment"
	KindStack        Kind = "stack-requirements"
	KindIntegrations Kind = "integration-requirements"
	KindPyproject    Kind = "pyproject-requirements"
	KindRequirements Kind = "requirements"
	KindCode         Kind = "code"
	KindLocalInstall Kind = "local-project-install"
	KindUser         Kind = "user"
	KindRuntimeEnv   Kind = "runtime-env"
	KindLabels       Kind = "labels"
)

// Paths inside the image. Requirement files are mounted there during the install only, so
// they never land in a layer.
const (
	WorkDir         = "/app"
	InputsDir       = "/tmp/stepimage"
	UVRequirement   = "uv==0.13.9"
	localEnvFile    = "local-environment.txt"
	stackFile       = "stack-requirements.txt"
	integrationFile = "integration-requirements.txt"
	pyprojectFile   = "pyproject-requirements.txt"
	requirementFile = "requirements.txt"
)

// Layer is one step of a plan. Only the fields its Kind uses are set.
type Layer struct {
	Kind Kind `json:"kind"`
	// Summary says what the layer does, for people.
	Summary string `json:"summary"`
	// InvalidatedBy names the inputs whose change reruns this layer (and every later one).
	InvalidatedBy []string `json:"invalidated_by"`

	// Image is the parent image reference (KindParent).
	Image string `json:"image,omitempty"`
	// Dockerfile and Context are source-relative paths (KindDockerfile).
	Dockerfile string            `json:"dockerfile,omitempty"`
	Context    string            `json:"context,omitempty"`
	BuildArgs  map[string]string `json:"build_args,omitempty"`

	// Env holds variables (KindBuildEnv, KindRuntimeEnv).
	Env []settings.EnvVar `json:"env,omitempty"`

	// Packages are apt packages (KindApt) or requirement lines known at plan time, written to
	// RequirementsFile before the install (stack, integrations, explicit list).
	Packages []string `json:"packages,omitempty"`
	// SourceFile is a source-relative input: a requirements file, a pyproject.toml, a dockerignore.
	SourceFile string `json:"source_file,omitempty"`
	// RequirementsFile is the in-image path of the file the install reads (under InputsDir).
	RequirementsFile string `json:"requirements_file,omitempty"`
	// Export is the argv that prints the requirements of a pyproject on stdout (KindPyproject),
	// as ZenML's pyproject_export_command does; the build writes that output to RequirementsFile.
	Export []string `json:"export,omitempty"`
	// Command is the argv the layer runs, as ZenML would (no cache mounts).
	Command []string `json:"command,omitempty"`

	// User is the user the image runs as (KindUser, KindCode when files are owned by it).
	User string `json:"user,omitempty"`
	// Labels are the image labels (KindLabels).
	Labels map[string]string `json:"labels,omitempty"`
}

// Plan is the ordered build of one image.
type Plan struct {
	Settings *settings.Resolved `json:"settings"`
	Layers   []Layer            `json:"layers"`
	// Warnings are problems tolerated because Inputs.Lenient was set.
	Warnings []string `json:"warnings,omitempty"`
}

// Inputs are the values a plan needs that are not in the settings file.
type Inputs struct {
	// StackRequirements are the active stack's requirements (e.g. from
	// `zenml stack export-requirements`), installed when install_stack_requirements is true.
	StackRequirements []string
	// HasLocalEnvironment is true when the caller passed a local environment export.
	HasLocalEnvironment bool
	// AptIndexKey changes when the apt package index should be refreshed (e.g. weekly): an
	// `apt-get update` layer would otherwise stay cached forever.
	AptIndexKey string
	// Lenient plans for inspection (plan, validate): an unknown integration is a warning.
	Lenient bool
}

// Build returns the plan of the image described by r.
func Build(r *settings.Resolved, in Inputs) (*Plan, error) {
	p := &Plan{Settings: r}
	if r.SkipBuild {
		p.add(Layer{Kind: KindParent, Image: r.ParentImage,
			Summary:       "use the parent image as it is (skip_build): no env, installs, code or labels",
			InvalidatedBy: []string{"parent_image"}})
		return p, nil
	}
	p.addBase(r)
	if len(r.Environment) > 0 {
		p.add(Layer{Kind: KindBuildEnv, Env: r.Environment,
			Summary:       fmt.Sprintf("set %d build-time variable(s) before any install: %s", len(r.Environment), envNames(r.Environment)),
			InvalidatedBy: []string{"environment"}})
	}

	integrationRequirements, integrationApt, warnings, err := resolveIntegrations(r.RequiredIntegrations, in.Lenient)
	if err != nil {
		return nil, err
	}
	p.Warnings = append(p.Warnings, warnings...)
	if apt := sortedUnique(append(append([]string{}, r.AptPackages...), integrationApt...)); len(apt) > 0 {
		p.add(Layer{Kind: KindApt, Packages: apt, Command: aptCommand(in.AptIndexKey, apt),
			Summary:       "apt-get install " + strings.Join(apt, " ") + " (package index refreshed periodically, archives in a cache volume)",
			InvalidatedBy: []string{"apt_packages", "required_integrations (apt)", "index refresh period"}})
	}

	var installs []Layer
	if r.LocalEnvironment != "" {
		if !in.HasLocalEnvironment {
			return nil, fmt.Errorf("replicate_local_python_environment is %q but no export was passed: run `pip freeze > local-env.txt` where the environment lives and pass --local-environment=local-env.txt (a module cannot read your machine)", r.LocalEnvironment)
		}
		installs = append(installs, p.installLayer(KindLocalEnv, localEnvFile,
			"install the local Python environment export passed by the caller", "the local environment export"))
	}
	if r.InstallStackRequirements && len(in.StackRequirements) > 0 {
		layer := p.installLayer(KindStack, stackFile, "install the stack's requirements", "stack requirements passed by the caller")
		layer.Packages = sortedUnique(in.StackRequirements)
		installs = append(installs, layer)
	}
	if len(integrationRequirements) > 0 {
		layer := p.installLayer(KindIntegrations, integrationFile,
			"install the requirements of integrations "+strings.Join(r.RequiredIntegrations, ", "), "required_integrations")
		layer.Packages = sortedUnique(integrationRequirements)
		installs = append(installs, layer)
	}
	if r.PyprojectPath != "" {
		layer := p.installLayer(KindPyproject, pyprojectFile,
			"export "+r.PyprojectPath+" to requirements inside the build, then install them", "pyproject_path, the pyproject file and its lock file")
		layer.SourceFile = r.PyprojectPath
		layer.Export = pyprojectExport(r)
		installs = append(installs, layer)
	}
	switch {
	case r.RequirementsFile != "":
		layer := p.installLayer(KindRequirements, requirementFile, "install "+r.RequirementsFile, "requirements (the file's contents)")
		layer.SourceFile = r.RequirementsFile
		installs = append(installs, layer)
	case len(r.Requirements) > 0:
		layer := p.installLayer(KindRequirements, requirementFile, "install "+strings.Join(r.Requirements, " "), "requirements")
		// The user's order is kept: pip reads a requirements file as a set, and a reorder
		// should not look like a change to the user reading the plan.
		layer.Packages = append([]string{}, r.Requirements...)
		installs = append(installs, layer)
	}
	if len(installs) > 0 || len(r.LocalProjectInstallCommand) > 0 {
		if r.Installer == "uv" {
			p.add(Layer{Kind: KindInstaller, Command: []string{"python", "-m", "pip", "install", UVRequirement},
				Summary:       "install " + UVRequirement + " with pip (pinned, so the layer stays cached)",
				InvalidatedBy: []string{"python_package_installer"}})
		}
		for _, layer := range installs {
			p.add(layer)
		}
	}

	if r.AllowIncludingFilesInImages {
		code := Layer{Kind: KindCode, SourceFile: r.Dockerignore, User: r.User,
			Summary:       "copy the source directory to " + WorkDir + " (filtered by " + dockerignoreName(r) + ", .git excluded)",
			InvalidatedBy: []string{"any included source file", "the dockerignore"}}
		p.add(code)
		if len(r.LocalProjectInstallCommand) > 0 {
			p.add(Layer{Kind: KindLocalInstall, Command: r.LocalProjectInstallCommand,
				Summary:       "run " + strings.Join(r.LocalProjectInstallCommand, " ") + " in " + WorkDir,
				InvalidatedBy: []string{"local_project_install_command", "the code"}})
		}
	}
	if r.User != "" {
		p.add(Layer{Kind: KindUser, User: r.User,
			Summary:       "create user " + r.User + " if missing, give it " + WorkDir + ", run as it",
			InvalidatedBy: []string{"user"}})
	}
	if len(r.RuntimeEnvironment) > 0 {
		p.add(Layer{Kind: KindRuntimeEnv, Env: r.RuntimeEnvironment,
			Summary:       fmt.Sprintf("set %d runtime variable(s) after the last install: %s", len(r.RuntimeEnvironment), envNames(r.RuntimeEnvironment)),
			InvalidatedBy: []string{"runtime_environment (no install reruns)"}})
	}
	p.add(Layer{Kind: KindLabels, Labels: Labels(r),
		Summary:       "label the image with its steps, settings digest and base",
		InvalidatedBy: []string{"any setting"}})
	return p, nil
}

func (p *Plan) add(layer Layer) { p.Layers = append(p.Layers, layer) }

func (p *Plan) addBase(r *settings.Resolved) {
	if r.Dockerfile != "" {
		p.add(Layer{Kind: KindDockerfile, Dockerfile: r.Dockerfile, Context: dockerfileContext(r),
			BuildArgs:     buildArgs(r.ParentImageBuildOptions),
			Summary:       "build " + r.Dockerfile + " (context " + dockerfileContext(r) + ") as the parent, workdir " + WorkDir,
			InvalidatedBy: []string{"the Dockerfile", "its build context", "parent_image_build_config"}})
		return
	}
	p.add(Layer{Kind: KindParent, Image: r.ParentImage,
		Summary:       "start from " + r.ParentImage + ", workdir " + WorkDir,
		InvalidatedBy: []string{"parent_image (and its digest)"}})
}

// installLayer returns an install layer reading InputsDir/file.
func (p *Plan) installLayer(kind Kind, file, summary, invalidatedBy string) Layer {
	requirements := path.Join(InputsDir, file)
	return Layer{Kind: kind, RequirementsFile: requirements,
		Command:       InstallCommand(p.Settings, requirements),
		Summary:       summary,
		InvalidatedBy: []string{invalidatedBy, "python_package_installer(_args)"}}
}

// Find returns the first layer of the given kind, or nil.
func (p *Plan) Find(kind Kind) *Layer {
	for i := range p.Layers {
		if p.Layers[i].Kind == kind {
			return &p.Layers[i]
		}
	}
	return nil
}

// InstallCommand is the argv that installs a requirements file with the configured installer
// and arguments, as ZenML renders it: `--k` for a null value, `--k=v` otherwise.
func InstallCommand(r *settings.Resolved, requirementsFile string) []string {
	var argv []string
	if r.Installer == "uv" {
		argv = []string{"uv", "pip", "install"}
	} else {
		argv = []string{"python", "-m", "pip", "install"}
	}
	argv = append(argv, installerFlags(r)...)
	return append(argv, "-r", requirementsFile)
}

// installerFlags renders the installer arguments. uv refuses to install outside a virtual
// environment unless told `--system`; ZenML makes users add it by hand (and they forget), so
// it is added unless the user chose another target. uv also ignores the system certificate
// store unless told `--system-certs`, which fails behind TLS-intercepting proxies where pip
// works: it is always added.
func installerFlags(r *settings.Resolved) []string {
	var flags []string
	hasTarget := false
	for _, arg := range r.InstallerArgs {
		switch arg.Name {
		case "system", "python", "prefix", "target":
			hasTarget = true
		}
		if arg.Value == nil {
			flags = append(flags, "--"+arg.Name)
		} else {
			flags = append(flags, "--"+arg.Name+"="+*arg.Value)
		}
	}
	if r.Installer == "uv" && !hasTarget {
		flags = append(flags, "--system")
	}
	if r.Installer == "uv" {
		flags = append(flags, "--system-certs")
	}
	return flags
}

// WithCacheDir rewrites an install argv to use a persistent cache directory instead of
// --no-cache-dir: the cache lives in a volume outside the image, so rebuilds after a
// requirement change download only what is new. uv links from its cache by default, which
// fails across the mount boundary, so it copies instead.
func WithCacheDir(argv []string, installer, cacheDir string) []string {
	out := make([]string, 0, len(argv)+2)
	for _, arg := range argv {
		if arg == "--no-cache-dir" {
			continue
		}
		out = append(out, arg)
	}
	// Flags go before "-r FILE", which is always last.
	extra := []string{"--cache-dir=" + cacheDir}
	if installer == "uv" {
		extra = append(extra, "--link-mode=copy")
	}
	tail := out[len(out)-2:]
	head := append([]string{}, out[:len(out)-2]...)
	return append(append(head, extra...), tail...)
}

// aptCommand runs update and install in one layer. Package names travel as arguments to a
// fixed script, never spliced into it; the index key is an argument too, so a new period
// gives the exec a new cache key without touching the image's environment.
func aptCommand(indexKey string, packages []string) []string {
	if indexKey == "" {
		indexKey = "none"
	}
	script := `shift; apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"`
	return append([]string{"sh", "-c", script, "stepimage-apt", "index=" + indexKey}, packages...)
}

// pyprojectExport is the argv that turns a pyproject into a requirements file. ZenML runs
// `uv export` (or `poetry export`) on the client; here it runs in the build, on the caller's
// files, so the caller needs no tools installed.
func pyprojectExport(r *settings.Resolved) []string {
	dir := path.Join(InputsDir, "pyproject")
	if len(r.PyprojectExportCommand) > 0 {
		argv := make([]string, len(r.PyprojectExportCommand))
		for i, arg := range r.PyprojectExportCommand {
			argv[i] = strings.ReplaceAll(arg, "{directory}", dir)
		}
		return argv
	}
	return []string{"uv", "export", "--format=requirements-txt", "--no-hashes", "--no-emit-project", "--system-certs", "--directory=" + dir}
}

func dockerfileContext(r *settings.Resolved) string {
	if r.BuildContextRoot != "" {
		return r.BuildContextRoot
	}
	return path.Dir(r.Dockerfile)
}

func dockerignoreName(r *settings.Resolved) string {
	if r.Dockerignore != "" {
		return r.Dockerignore
	}
	return ".dockerignore if present"
}

// buildArgs reads ZenML's parent_image_build_config.build_options["buildargs"].
func buildArgs(options map[string]any) map[string]string {
	raw, ok := options["buildargs"].(map[string]any)
	if !ok || len(raw) == 0 {
		return nil
	}
	args := make(map[string]string, len(raw))
	for k, v := range raw {
		args[k] = fmt.Sprint(v)
	}
	return args
}

func envNames(env []settings.EnvVar) string {
	names := make([]string, len(env))
	for i, e := range env {
		names[i] = e.Name
		if e.Secret {
			names[i] += " (secret)"
		}
	}
	return strings.Join(names, ", ")
}

func sortedUnique(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, item := range items {
		if !seen[item] {
			seen[item] = true
			out = append(out, item)
		}
	}
	sort.Strings(out)
	return out
}
