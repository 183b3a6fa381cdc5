package plan

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"dagger/stepimage/settings"
)

// Kind names what a layer does.
type Kind string

// The layer kinds, in the order they appear in a plan.
const (
	KindParent       Kind = "parent"
	KindDockerfile   Kind = "dockerfile"
	KindBuildArgs    Kind = "build-args"
	KindBuildEnv     Kind = "build-env"
	KindApt          Kind = "apt"
	KindInstaller    Kind = "installer"
	KindZenML        Kind = "zenml"
	KindLocalEnv     Kind = "local-environment"
	KindStack        Kind = "stack-requirements"
	KindIntegrations Kind = "integration-requirements"
	KindPyproject    Kind = "pyproject-requirements"
	KindRequirements Kind = "requirements"
	// KindPackages is the layered layout's install of all the requirement sources above.
	KindPackages     Kind = "packages"
	KindZenMLEnv     Kind = "zenml-env"
	KindCode         Kind = "code"
	KindLocalInstall Kind = "local-project-install"
	KindUser         Kind = "user"
	KindRuntimeEnv   Kind = "runtime-env"
	KindLabels       Kind = "labels"
)

// Paths inside the image. Requirement files are mounted under InputsDir during the install
// only, so they never land in a layer; it is outside /tmp, where each install gets a tmpfs.
const (
	WorkDir         = "/app"
	InputsDir       = "/run/stepimage"
	UVRequirement   = "uv==0.13.9"
	zenmlFile       = "zenml-requirements.txt"
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
	// Execs are the commands the layer runs, in order, complete (see Exec).
	Execs []Exec `json:"execs,omitempty"`
	// Sources are the sequential install layers a KindPackages layer resolves, in order: the
	// Dockerfile rendering writes them, and a build falls back to them (see Plan.Buckets).
	Sources []Layer `json:"sources,omitempty"`
	// BesideInstalls marks a layer of the layered layout that touches no installed file (the
	// code in /app, the user): it runs on the image before the packages layer, beside the
	// installs, and its changes are merged after them, so that neither waits for the other and
	// nothing runs on the merged packages.
	BesideInstalls bool `json:"beside_installs,omitempty"`

	// User is the user the image runs as (KindUser).
	User string `json:"user,omitempty"`
	// Labels are the image labels (KindLabels).
	Labels map[string]string `json:"labels,omitempty"`
}

// Plan is the ordered build of one image.
type Plan struct {
	Settings *settings.Resolved `json:"settings"`
	Layers   []Layer            `json:"layers"`
	// Layout is how the requirements are installed; LayoutReason says why an image that asked
	// for the layered layout keeps the sequential one.
	Layout       Layout `json:"layout"`
	LayoutReason string `json:"layout_reason,omitempty"`
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
	// ZenMLVersion is the zenml installed on the default parent image, as ZenML's own default
	// parent (zenmldocker/zenml:VERSION-pyX.Y) carries it; "" means ZenMLVersion, the version
	// the integration catalogue comes from.
	ZenMLVersion string
	// Layout is how requirements are installed; "" means DefaultLayout.
	Layout Layout
}

// New returns the plan of the image described by r.
func New(r *settings.Resolved, in Inputs) (*Plan, error) {
	p := &Plan{Settings: r, Layout: LayoutSequential}
	if r.SkipBuild {
		p.add(Layer{Kind: KindParent, Image: r.ParentImage,
			Summary:       "use the parent image as it is (skip_build): no env, installs, code or labels",
			InvalidatedBy: []string{"parent_image"}})
		return p, nil
	}
	p.addBase()
	if args := buildArgs(r.BuildOptions); len(args) > 0 {
		p.add(Layer{Kind: KindBuildArgs, BuildArgs: args,
			Summary:       fmt.Sprintf("set %d build argument(s) for the build steps only: %s", len(args), strings.Join(slices.Sorted(maps.Keys(args)), ", ")),
			InvalidatedBy: []string{"build_config.build_options.build_args"}})
	}
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
	if w := zenmlMissing(r); w != "" {
		p.Warnings = append(p.Warnings, w)
	}
	p.addApt(append(slices.Clone(r.AptPackages), integrationApt...), in.AptIndexKey)
	installs, err := p.installLayers(in, integrationRequirements)
	if err != nil {
		return nil, err
	}
	if r.Installer == settings.InstallerUV {
		// As ZenML: uv is installed whenever it is the installer, installs or not.
		p.add(Layer{Kind: KindInstaller, Execs: []Exec{installUV()},
			Summary:       "install " + UVRequirement + " with pip (pinned, so the layer stays cached)",
			InvalidatedBy: []string{"python_package_installer"}})
	}
	if len(installs) > 0 && cmp.Or(in.Layout, DefaultLayout) == LayoutLayered {
		packages, reason := p.packagesLayer(installs)
		if reason == "" {
			installs, p.Layout = []Layer{packages}, LayoutLayered
		} else {
			p.LayoutReason = reason
		}
	}
	p.Layers = append(p.Layers, installs...)
	p.add(Layer{Kind: KindZenMLEnv, Env: zenmlEnv,
		Summary:       "set ZenML's own variables, as its Dockerfile does: " + envNames(zenmlEnv),
		InvalidatedBy: []string{"nothing in the settings"}})
	p.addCode()
	p.addUser()
	p.placeBesideInstalls()
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

func (p *Plan) addBase() {
	r := p.Settings
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

// installLayers are the requirement sources in ZenML's order: local environment, stack,
// integrations, pyproject, explicit requirements.
func (p *Plan) installLayers(in Inputs, integrationRequirements []string) ([]Layer, error) {
	r := p.Settings
	var installs []Layer
	if r.ParentImageIsDefault && r.Dockerfile == "" {
		version := cmp.Or(in.ZenMLVersion, ZenMLVersion)
		layer := p.installLayer(KindZenML, zenmlFile, "install zenml=="+version+", which ZenML's default parent image carries", "the ZenML version (--zenml-version)")
		layer.Packages = []string{"zenml==" + version}
		installs = append(installs, layer)
	}
	if r.LocalEnvironment != "" {
		if !in.HasLocalEnvironment {
			return nil, fmt.Errorf("replicate_local_python_environment is %q but no export was passed: run `%s > local-env.txt` where the environment lives and pass --local-environment=local-env.txt (a module cannot read your machine)", r.LocalEnvironment, exportCommand(r))
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
		installs = append(installs, p.pyprojectLayer())
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
		layer.Packages = slices.Clone(r.Requirements)
		// uv ignores some requirement-file options (--pre, --trusted-host): settings maps them
		// to its flags, which go on the command line.
		install := &layer.Execs[0]
		at := slices.IndexFunc(install.Argv, func(arg string) bool { return strings.HasPrefix(arg, "--cache-dir=") })
		install.Argv = slices.Insert(install.Argv, at, r.UVRequirementFlags...)
		installs = append(installs, layer)
	}
	return installs, nil
}

// exportCommands write the local environment export each method asks for.
var exportCommands = map[settings.LocalEnvironmentMethod]string{
	settings.LocalEnvironmentPipFreeze:    "pip freeze",
	settings.LocalEnvironmentUVFreeze:     "uv pip freeze",
	settings.LocalEnvironmentPoetryExport: "poetry export --format=requirements.txt",
}

func exportCommand(r *settings.Resolved) string {
	if r.LocalEnvironment == settings.LocalEnvironmentCommand {
		return strings.Join(r.LocalEnvironmentCommand, " ")
	}
	return exportCommands[r.LocalEnvironment]
}

// installLayer returns an install layer reading InputsDir/file, mounted for the install only.
func (p *Plan) installLayer(kind Kind, file, summary, invalidatedBy string) Layer {
	return p.installLayerFrom(MountInput, kind, file, summary, invalidatedBy)
}

// installLayerFrom is installLayer with the requirements file mounted from the given source:
// the layer's input, or an earlier exec's output.
func (p *Plan) installLayerFrom(from MountKind, kind Kind, file, summary, invalidatedBy string) Layer {
	requirements := path.Join(InputsDir, file)
	install := InstallExec(p.Settings, requirements)
	install.Mounts = append([]Mount{tempMount, {Kind: from, Target: requirements}}, install.Mounts...)
	return Layer{Kind: kind, RequirementsFile: requirements, Execs: []Exec{install},
		Summary:       summary,
		InvalidatedBy: []string{invalidatedBy, "python_package_installer(_args)"}}
}

// pyprojectLayer exports the pyproject's requirements on a scratch copy of the image (with
// uv installed there when the installer is pip) and installs the export. Only the project's
// metadata files are mounted: a code change does not rerun the export.
func (p *Plan) pyprojectLayer() Layer {
	r := p.Settings
	// The install reads the export's output, not a caller's file.
	layer := p.installLayerFrom(MountOutput, KindPyproject, pyprojectFile,
		"export "+r.PyprojectPath+" to requirements inside the build, then install them", "pyproject_path, the pyproject file and its lock file")
	layer.SourceFile = r.PyprojectPath
	var scratch []Exec
	if r.Installer != settings.InstallerUV {
		scratch = append(scratch, installUV())
	}
	scratch = append(scratch, p.pyprojectExportExec(layer.RequirementsFile))
	for i := range scratch {
		scratch[i].Scratch = true
	}
	layer.Execs = append(scratch, layer.Execs...)
	return layer
}

// InstallExec installs a requirements file with the configured installer and arguments, as
// ZenML renders them (`--k` for a null value, `--k=v` otherwise), except that ZenML's
// --no-cache-dir gives way to a cache volume outside the image: rebuilds after a requirement
// change download only what is new.
func InstallExec(r *settings.Resolved, requirementsFile string) Exec {
	install := installCommand(r)
	install.Argv = append(install.Argv, "-r", requirementsFile)
	return install
}

// installCommand is the configured installer's install with the image's installer arguments,
// then extra arguments, then the cache volume's flags; the caller adds what to install.
func installCommand(r *settings.Resolved, extra ...string) Exec {
	var argv []string
	cache := cacheMount(PipVolume, pipCacheDir)
	if r.Installer == settings.InstallerUV {
		argv = []string{"uv", "pip", "install"}
		cache = cacheMount(UVVolume, uvCacheDir)
	} else {
		argv = []string{"pip", "install"}
	}
	argv = append(argv, installerFlags(r)...)
	argv = append(argv, extra...)
	argv = append(argv, "--cache-dir="+cache.Target)
	if r.Installer == settings.InstallerUV {
		// uv links from its cache by default, which fails across the mount boundary.
		argv = append(argv, "--link-mode=copy")
	}
	return Exec{Argv: argv, Mounts: []Mount{cache}, Network: true, WithoutSbin: true}
}

// installUV installs the pinned uv with pip, so that its layer stays cached.
func installUV() Exec {
	return Exec{Argv: []string{"pip", "install", "--cache-dir=" + pipCacheDir, UVRequirement},
		Mounts: []Mount{tempMount, cacheMount(PipVolume, pipCacheDir)}, Network: true, WithoutSbin: true}
}

// tempMount gives an install its own /tmp, mounted first so that the inputs under InputsDir
// are mounted over it.
var tempMount = Mount{Kind: MountTemp, Target: "/tmp"}

// installerFlags renders the installer arguments, without --no-cache-dir (see InstallExec).
// uv refuses to install outside a virtual environment unless told `--system`; ZenML makes
// users add it by hand (and they forget), so it is added unless the user chose another target.
// uv also ignores the system certificate store unless told `--system-certs`, which fails
// behind TLS-intercepting proxies where pip works: it is always added.
func installerFlags(r *settings.Resolved) []string {
	var flags []string
	hasTarget := false
	for _, arg := range r.InstallerArgs {
		switch arg.Name {
		case "no-cache-dir":
			continue
		case "system", "python", "prefix", "target":
			hasTarget = true
		}
		if arg.Value == nil {
			flags = append(flags, "--"+arg.Name)
		} else {
			flags = append(flags, "--"+arg.Name+"="+*arg.Value)
		}
	}
	if r.Installer == settings.InstallerUV && !hasTarget {
		flags = append(flags, "--system")
	}
	if r.Installer == settings.InstallerUV {
		flags = append(flags, "--system-certs")
	}
	return flags
}

// pyprojectExportExec prints the requirements of the pyproject to requirementsFile. ZenML runs
// `uv export` (or `poetry export`) on the client; here it runs in the build, on the caller's
// files, so the caller needs no tools installed.
func (p *Plan) pyprojectExportExec(requirementsFile string) Exec {
	dir := path.Join(InputsDir, "pyproject")
	var argv []string
	custom := p.Settings.PyprojectExportCommand
	if len(custom) > 0 {
		for _, arg := range custom {
			argv = append(argv, strings.ReplaceAll(arg, "{directory}", dir))
		}
	} else {
		argv = []string{"uv", "export", "--format=requirements-txt", "--no-hashes", "--no-emit-project", "--system-certs", "--directory=" + dir}
	}
	if argv[0] == "uv" {
		argv = append(argv, "--cache-dir="+uvCacheDir)
	}
	// A user's own export command (poetry, a script) may need anything on PATH.
	return Exec{Argv: argv, Network: true, Stdout: requirementsFile, WithoutSbin: len(custom) == 0,
		Mounts: []Mount{tempMount, {Kind: MountInput, Target: dir}, cacheMount(UVVolume, uvCacheDir)}}
}

func (p *Plan) addCode() {
	r := p.Settings
	if !r.AllowIncludingFilesInImages {
		return
	}
	// As ZenML: the code is writable by any user the step may run as.
	p.add(Layer{Kind: KindCode, SourceFile: r.Dockerignore, Execs: []Exec{{Argv: []string{"chmod", "-R", "a+rw", "."}, WithoutSbin: true}},
		Summary:       "copy the source directory to " + WorkDir + " (filtered by " + dockerignoreName(r) + ", .git excluded), writable by all",
		InvalidatedBy: []string{"any included source file", "the dockerignore"}})
	if len(r.LocalProjectInstallCommand) == 0 {
		return
	}
	p.add(Layer{Kind: KindLocalInstall, Execs: []Exec{localInstallExec(r.LocalProjectInstallCommand)},
		Summary:       "run " + strings.Join(r.LocalProjectInstallCommand, " ") + " in " + WorkDir,
		InvalidatedBy: []string{"local_project_install_command", "the code"}})
}

// localInstallExec runs the user's command with pip's and uv's caches where they look by
// default. UV_SYSTEM_CERTS makes uv, wherever the command calls it, trust the system
// certificate store as pip does (see installerFlags).
func localInstallExec(argv []string) Exec {
	return Exec{Argv: argv, Network: true,
		Env:    []settings.EnvVar{{Name: "UV_SYSTEM_CERTS", Value: "1"}},
		Mounts: []Mount{tempMount, cacheMount(PipVolume, pipHomeCacheDir), cacheMount(UVVolume, uvHomeCacheDir)}}
}

// addUser gives the user /app, as ZenML does (`chown -R USER .`), creating a named user the
// image lacks first. A numeric UID needs no account.
func (p *Plan) addUser() {
	user := p.Settings.User
	if user == "" {
		return
	}
	var execs []Exec
	if name, _, _ := strings.Cut(user, ":"); !isNumeric(name) {
		// useradd on Debian-like images, adduser on Alpine (busybox).
		script := `id -u "$@" >/dev/null 2>&1 || useradd --create-home "$@" || adduser -D "$@"`
		execs = append(execs, Exec{Argv: []string{"sh", "-c", script, "sh", name}})
	}
	execs = append(execs, Exec{Argv: []string{"chown", "-R", user, "."}})
	p.add(Layer{Kind: KindUser, User: user, Execs: execs,
		Summary:       "create user " + user + " if missing, give it " + WorkDir + ", run as it",
		InvalidatedBy: []string{"user"}})
}

func isNumeric(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
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

// buildArgs reads a ZenML build_options' build arguments, under either of the names ZenML
// accepts (Docker SDK's "buildargs", or "build_args").
func buildArgs(options map[string]any) map[string]string {
	raw, ok := options["build_args"].(map[string]any)
	if !ok {
		raw, ok = options["buildargs"].(map[string]any)
	}
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
	return slices.Compact(slices.Sorted(slices.Values(items)))
}
