package settings

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Installer defaults, as ZenML sets them; the user's python_package_installer_args go on top.
var installerDefaults = map[Installer]map[string]any{
	InstallerPip: {"no-cache-dir": nil, "default-timeout": int64(60)},
	InstallerUV:  {"no-cache-dir": nil},
}

// installerDefaultOrder is the order of ZenML's default dicts, which its command line keeps.
var installerDefaultOrder = map[Installer][]string{
	InstallerPip: {"no-cache-dir", "default-timeout"},
	InstallerUV:  {"no-cache-dir"},
}

// section is the part of a level's settings a field belongs to: settings.docker or
// settings.resources.
type section string

const (
	sectionDocker    section = "docker"
	sectionResources section = "resources"
)

// resolver holds the state of one Resolve: where values came from, and what went wrong.
type resolver struct {
	c     *Config
	step  string // "" (or PipelineSteps) for the pipeline level
	errs  Errors
	warns []Warning
}

// Resolve merges step's settings over the pipeline's (step "" → pipeline level only), applies
// defaults, expands ${VAR} placeholders and validates the result (without looking at files; see
// CheckFiles). Resolved.Steps is []string{step}, or nil for "". A step the configuration does not
// list uses the pipeline-level settings, with a warning in case its name is a typo.
//
// The warnings are those found while resolving; load-time warnings are in c.Warnings. On
// failure the error is an Errors holding every problem found.
func (c *Config) Resolve(step string, vars Vars) (*Resolved, []Warning, error) {
	r := &resolver{c: c, step: step}
	res := r.resolve(vars)
	warns := dedupeWarnings(r.warns)
	if err := r.errs.err(); err != nil {
		return nil, warns, err
	}
	return res, warns, nil
}

// stepLevel reports whether the resolver has a step level above the pipeline's.
func (r *resolver) stepLevel() bool { return r.step != "" && r.step != PipelineSteps }

// prefixes lists where a field of a section may have been set, most specific first.
func (r *resolver) prefixes(kind section) []string {
	pipeline := "settings." + string(kind)
	if r.c.bare {
		pipeline = ""
	}
	if r.stepLevel() {
		return []string{"steps." + r.step + ".settings." + string(kind), pipeline}
	}
	return []string{pipeline}
}

// at locates a field (relative to the docker/resources mapping) as the user wrote it: the level
// that set the value, and its line. The exact path wins, then the closest enclosing field, then
// the settings block itself.
func (r *resolver) at(kind section, field string) (string, position) {
	prefixes := r.prefixes(kind)
	for _, p := range prefixes {
		if pos, ok := r.c.pos[joinPath(p, field)]; ok {
			return joinPath(p, field), pos
		}
	}
	for _, p := range prefixes {
		for f := parentField(field); f != ""; f = parentField(f) {
			if pos, ok := r.c.pos[joinPath(p, f)]; ok {
				return joinPath(p, field), pos
			}
		}
	}
	for _, p := range prefixes {
		if pos, ok := r.c.pos[p]; ok && p != "" {
			return joinPath(p, field), pos
		}
	}
	return joinPath(prefixes[len(prefixes)-1], field), position{}
}

// parentField strips the last ".key" or "[i]" from a field path.
func parentField(f string) string {
	if strings.HasSuffix(f, "]") {
		if i := strings.LastIndexByte(f, '['); i >= 0 {
			return f[:i]
		}
	}
	if i := strings.LastIndexByte(f, '.'); i >= 0 {
		return f[:i]
	}
	return ""
}

func (r *resolver) fail(kind section, field, msg, fix string) {
	path, p := r.at(kind, field)
	r.errs = append(r.errs, &Error{File: r.c.File, Line: p.line, Column: p.col, Field: path, Message: msg, Fix: fix})
}

func (r *resolver) warn(kind section, field, msg string) {
	path, p := r.at(kind, field)
	r.warns = append(r.warns, Warning{File: r.c.File, Line: p.line, Column: p.col, Field: path, Message: msg})
}

// resolve builds the Resolved value, recording problems as it goes.
func (r *resolver) resolve(vars Vars) *Resolved {
	pipe := r.c.Pipeline
	var st StepSettings
	if r.stepLevel() {
		s, ok := r.c.Steps[r.step]
		if !ok && !r.c.bare {
			msg := "step not listed in the configuration; using the pipeline-level settings"
			if hint := didYouMean(r.step, r.c.StepNames()); hint != "" {
				msg += "; " + hint
			}
			r.warns = append(r.warns, Warning{File: r.c.File, Field: "steps." + r.step, Message: msg})
		}
		st = s
	}
	ds := mergeDocker(pipe.Docker, st.Docker)
	rs := mergeResources(pipe.Resources, st.Resources)
	r.warnDroppedFlags(pipe.Docker, st.Docker, ds)

	out := &Resolved{}
	if r.step != "" {
		out.Steps = []string{r.step}
	}
	r.images(ds, out)
	r.python(ds, out)
	r.packages(ds, out)
	out.Environment = r.environment(ds.Environment, "environment", vars, false)
	out.RuntimeEnvironment = r.environment(ds.RuntimeEnvironment, "runtime_environment", vars, true)
	r.code(ds, out)
	out.Resources = r.resources(rs)
	if !out.SkipBuild && nothingToBuild(out) {
		r.fail(sectionDocker, "", "nothing to build: no Dockerfile or custom parent image, and no requirements to install or files to copy; "+
			"ZenML refuses these settings (\"Unable to run a ZenML pipeline with the given Docker settings\"): "+
			"it would run its default image as is, user and runtime_environment included, and download the code at run time (allow_download_from_artifact_store)",
			"set parent_image (with skip_build: true to use an image as is), add requirements, apt_packages or environment, "+
				"remove install_stack_requirements: false, or set allow_download_from_artifact_store: false to copy the code into the image")
	}
	return out
}

// warnDroppedFlags warns about the null installer options of a step, which the merge drops as
// ZenML does: a null option is a flag (--system) at pipeline level only.
func (r *resolver) warnDroppedFlags(pipe, step, merged *DockerSettings) {
	if step == nil {
		return
	}
	for name, v := range step.PythonPackageInstallerArgs {
		if v != nil {
			continue
		}
		msg := fmt.Sprintf("null in a step's settings is dropped, as ZenML drops null values when it merges a step over the pipeline: this step gets no --%s from here; "+
			"set %s: null in the pipeline's settings.docker to pass the flag", name, name)
		if pipe != nil {
			if _, set := pipe.PythonPackageInstallerArgs[name]; set {
				msg = "null in a step's settings is dropped, as ZenML drops null values when it merges a step over the pipeline: the pipeline's value stays"
			}
		}
		if name == "system" && Installer(deref0(merged.PythonPackageInstaller, string(InstallerUV))) == InstallerUV {
			msg += " (stepimage passes --system to uv by itself when no target is chosen)"
		}
		r.warn(sectionDocker, "python_package_installer_args."+name, msg)
	}
}

// keyOrder lists the keys of a merged map in ZenML's order: first (a default dict's keys), then
// the pipeline's keys as written, then those only the step adds, as written. A key a later level
// overrides keeps its place.
func (r *resolver) keyOrder(field string, merged map[string]any, first []string) []string {
	out := make([]string, 0, len(merged))
	seen := map[string]bool{}
	add := func(k string) {
		if _, ok := merged[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range first {
		add(k)
	}
	prefixes := r.prefixes(sectionDocker)
	for i := len(prefixes) - 1; i >= 0; i-- {
		for _, k := range r.c.order[joinPath(prefixes[i], field)] {
			add(k)
		}
	}
	// Keys without a recorded order (a Config built in code): sorted, for a stable result.
	var rest []string
	for k := range merged {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// images resolves the base image, Dockerfile and naming fields.
func (r *resolver) images(ds *DockerSettings, out *Resolved) {
	out.Dockerfile = r.relPath(ds.Dockerfile, "dockerfile")
	out.BuildContextRoot = r.relPath(ds.BuildContextRoot, "build_context_root")
	if ds.ParentImageBuildConfig != nil {
		r.buildArgs(ds.ParentImageBuildConfig.BuildOptions, "parent_image_build_config.build_options")
		out.ParentImageBuildOptions = ds.ParentImageBuildConfig.BuildOptions
		out.ParentImageDockerignore = r.relPath(ds.ParentImageBuildConfig.Dockerignore, "parent_image_build_config.dockerignore")
	}
	if ds.BuildConfig != nil {
		r.buildArgs(ds.BuildConfig.BuildOptions, "build_config.build_options")
		out.BuildOptions = ds.BuildConfig.BuildOptions
		out.Dockerignore = r.relPath(ds.BuildConfig.Dockerignore, "build_config.dockerignore")
	}
	// As ZenML 0.98: the merged build_config.dockerignore, else the merged deprecated dockerignore,
	// so a step's dockerignore never overrides the pipeline's build_config.dockerignore.
	if ds.Dockerignore != nil {
		if ds.BuildConfig != nil && ds.BuildConfig.Dockerignore != nil {
			r.warn(sectionDocker, "dockerignore", "ignored, because build_config.dockerignore is set (ZenML uses build_config.dockerignore first, whichever level sets it); remove it")
		} else {
			out.Dockerignore = r.relPath(ds.Dockerignore, "dockerignore")
		}
	}
	if out.Dockerfile == "" {
		if out.BuildContextRoot != "" {
			r.warn(sectionDocker, "build_context_root", "only used with dockerfile; ignored")
		}
		if ds.ParentImageBuildConfig != nil {
			r.warn(sectionDocker, "parent_image_build_config", "only used with dockerfile; ignored")
		}
	}

	if ds.ParentImage != nil && r.controlFree("parent_image", *ds.ParentImage) {
		if msg := checkImageRef(*ds.ParentImage); msg != "" {
			r.fail(sectionDocker, "parent_image", "invalid image reference: "+msg, "write e.g. python:3.11-slim or ghcr.io/org/image:tag")
		}
	}
	switch {
	case out.Dockerfile != "" && ds.ParentImage != nil:
		r.warn(sectionDocker, "parent_image", "ignored because dockerfile is set (as in ZenML): the Dockerfile's image is the parent")
	case out.Dockerfile == "" && ds.ParentImage != nil:
		out.ParentImage = *ds.ParentImage
	case out.Dockerfile == "":
		out.ParentImage, out.ParentImageIsDefault = DefaultParentImage, true
	}

	out.SkipBuild = deref0(ds.SkipBuild, false)
	out.PreventBuildReuse = deref0(ds.PreventBuildReuse, false)
	if out.SkipBuild && ds.ParentImage == nil {
		r.fail(sectionDocker, "skip_build", "Docker settings that specify skip_build: true must always contain a parent_image: the parent image is used as is to run the steps",
			"set parent_image, or remove skip_build")
	}
	if out.SkipBuild && out.Dockerfile != "" {
		r.fail(sectionDocker, "skip_build", "skip_build: true uses parent_image as is, so dockerfile would never be built",
			"remove dockerfile, or remove skip_build")
	}

	if ds.TargetRepository != nil {
		repo := *ds.TargetRepository
		switch {
		case !r.controlFree("target_repository", repo):
		case strings.ContainsAny(repo, ":@"):
			r.fail(sectionDocker, "target_repository", fmt.Sprintf("%q: a repository name cannot hold a tag or digest", repo), "put the tag in image_tag")
		case checkRepository(repo) != "":
			r.fail(sectionDocker, "target_repository", checkRepository(repo), "write a repository path such as my-team/train (the registry comes from --registry)")
		}
		out.TargetRepository = repo
	}
	if ds.ImageTag != nil {
		if r.controlFree("image_tag", *ds.ImageTag) && !tagRE.MatchString(*ds.ImageTag) {
			r.fail(sectionDocker, "image_tag", fmt.Sprintf("invalid tag %q", *ds.ImageTag),
				"a tag is 1-128 letters, digits, _ . -, not starting with . or -")
		}
		out.ImageTag = *ds.ImageTag
	}
	if ds.User != nil {
		if msg, fix := checkUser(*ds.User); msg != "" {
			r.fail(sectionDocker, "user", msg, fix)
		}
		out.User = *ds.User
	}
}

// python resolves the installer and its arguments.
func (r *resolver) python(ds *DockerSettings, out *Resolved) {
	out.Installer = Installer(deref0(ds.PythonPackageInstaller, string(InstallerUV)))
	// ZenML renders {**defaults, **args}: defaults first, then the user's options in order.
	args := mergeAnyMaps(installerDefaults[out.Installer], ds.PythonPackageInstallerArgs, false)
	for _, name := range r.keyOrder("python_package_installer_args", args, installerDefaultOrder[out.Installer]) {
		field := "python_package_installer_args." + name
		if !argNameRE.MatchString(name) {
			r.fail(sectionDocker, field, fmt.Sprintf("invalid installer option name %q", name),
				"write the option without leading dashes (they are added), e.g. extra-index-url")
			continue
		}
		arg := InstallerArg{Name: name}
		if v := args[name]; v != nil {
			s := pyStr(v)
			if !checkToken(s) {
				r.fail(sectionDocker, field, fmt.Sprintf("value %q contains whitespace or control characters", s),
					"give one plain token per option")
				continue
			}
			arg.Value = &s
		}
		out.InstallerArgs = append(out.InstallerArgs, arg)
	}
}

// packages resolves everything that installs software.
func (r *resolver) packages(ds *DockerSettings, out *Resolved) {
	if le := ds.ReplicateLocalPythonEnvironment; le != nil && le.Enabled {
		switch {
		case le.Method != "":
			out.LocalEnvironment = LocalEnvironmentMethod(le.Method)
		case le.Command != nil:
			out.LocalEnvironment, out.LocalEnvironmentCommand = LocalEnvironmentCommand, le.Command
			r.checkArgv(le.Command, "replicate_local_python_environment")
		default:
			out.LocalEnvironment = LocalEnvironmentPipFreeze
		}
	}
	out.InstallStackRequirements = deref0(ds.InstallStackRequirements, true)
	r.eachMatches("required_integrations", ds.RequiredIntegrations, integrationRE, "invalid integration name %q",
		"write ZenML's integration name in lowercase, e.g. mlflow or huggingface")
	out.RequiredIntegrations = nilIfEmpty(ds.RequiredIntegrations)
	out.PyprojectPath = r.relPath(ds.PyprojectPath, "pyproject_path")
	if ds.PyprojectExportCommand != nil {
		r.checkArgv(ds.PyprojectExportCommand, "pyproject_export_command")
		out.PyprojectExportCommand = ds.PyprojectExportCommand
	}
	if req := ds.Requirements; req != nil {
		if req.IsFile {
			out.RequirementsFile = r.relPath(&req.File, "requirements")
		} else {
			for i, s := range req.List {
				field := fmt.Sprintf("requirements[%d]", i)
				if msg, fix := checkRequirement(s); msg != "" {
					r.fail(sectionDocker, field, msg, fix)
				} else if out.Installer == "uv" && strings.HasPrefix(strings.TrimSpace(s), "-") {
					r.uvRequirementOption(s, field, out)
				}
			}
			out.Requirements = nilIfEmpty(req.List)
		}
	}
	r.eachMatches("apt_packages", ds.AptPackages, aptRE, "invalid Debian package name %q",
		"write a package name (lowercase, e.g. libgomp1), optionally with =version or :arch; one package per entry")
	out.AptPackages = nilIfEmpty(ds.AptPackages)
}

// uvRequirementOption carries over to uv's command line a requirements-list option that uv
// ignores inside a requirements file (with only a warning in the build log), and refuses the
// one uv has no equivalent for.
func (r *resolver) uvRequirementOption(entry, field string, out *Resolved) {
	opt, _ := parseRequirementOption(entry)
	if opt.name == "--prefer-binary" {
		r.fail(sectionDocker, field, "uv has no --prefer-binary: it would ignore the option and may build a newer version from source instead of installing an older wheel",
			`write "--only-binary :all:" (or --only-binary PACKAGE) to never build from source, set python_package_installer: pip, or remove the entry`)
		return
	}
	if flag := uvRequirementFlag(opt); flag != "" && !slices.Contains(out.UVRequirementFlags, flag) {
		out.UVRequirementFlags = append(out.UVRequirementFlags, flag)
	}
}

// code resolves code inclusion and the local project install.
func (r *resolver) code(ds *DockerSettings, out *Resolved) {
	out.AllowIncludingFilesInImages = deref0(ds.AllowIncludingFilesInImages, true)
	out.AllowDownloadFromCodeRepository = deref0(ds.AllowDownloadFromCodeRepository, true)
	out.AllowDownloadFromArtifactStore = deref0(ds.AllowDownloadFromArtifactStore, true)
	if ds.LocalProjectInstallCommand == nil {
		return
	}
	argv, msg := splitCommand(*ds.LocalProjectInstallCommand)
	if msg != "" {
		r.fail(sectionDocker, "local_project_install_command", "the command "+msg,
			"write one plain command, e.g. pip install -e .[train]; wrap anything else in a script in your source and call it")
	}
	out.LocalProjectInstallCommand = argv
	if !out.AllowIncludingFilesInImages {
		r.fail(sectionDocker, "local_project_install_command",
			"files must be included in the image to install a local project, but allow_including_files_in_images is false",
			"set allow_including_files_in_images: true, or remove local_project_install_command")
	}
}

// environment resolves one environment map: names checked, values stringified like Python's
// str() and ${VAR} placeholders expanded. Keys keep their case (ZenML upper-cases them) and
// ZenML's order (the pipeline's as written, then the step's new keys).
func (r *resolver) environment(env map[string]any, field string, vars Vars, runtime bool) []EnvVar {
	var out []EnvVar
	for _, name := range r.keyOrder(field, env, nil) {
		f := field + "." + name
		if !envNameRE.MatchString(name) {
			r.fail(sectionDocker, f, fmt.Sprintf("invalid environment variable name %q", name),
				"use letters, digits and _, not starting with a digit")
			continue
		}
		raw := pyStr(env[name])
		if c := envValueControl(raw); c != "" {
			r.fail(sectionDocker, f, "the value contains "+c, "remove it; only tabs and line breaks may appear in a value")
			continue
		}
		x := expand(raw, vars, runtime)
		if x.problem != "" {
			r.fail(sectionDocker, f, x.problem, x.fix)
			continue
		}
		if x.secretName != "" {
			out = append(out, EnvVar{Name: name, Secret: true, SecretName: x.secretName})
			continue
		}
		expanded := ""
		if x.value != raw {
			expanded = "after expanding its ${...} placeholders, "
		}
		if c := envValueControl(x.value); c != "" {
			r.fail(sectionDocker, f, expanded+"the value contains "+c, "remove it from the value given with with-env")
			continue
		}
		if size := len(name) + 1 + len(x.value) + 1; size > maxEnvString {
			failing := "the install steps and every process in the image"
			if runtime {
				failing = "every process in the image"
			}
			r.fail(sectionDocker, f, fmt.Sprintf("%sthe value is %d bytes: with %q, \"=\" and the terminating NUL, %d bytes, over the %d bytes Linux allows one environment string (MAX_ARG_STRLEN), so %s would fail to start with \"argument list too long\"",
				expanded, len(x.value), name, size, maxEnvString, failing),
				"put large data in a file (in the source or the image) and set the variable to its path")
			continue
		}
		for _, missing := range x.missing {
			r.warn(sectionDocker, f, fmt.Sprintf("placeholder ${%s} has no value yet: give it with with-env (or with-secret) when you build", missing))
		}
		out = append(out, EnvVar{Name: name, Value: x.value})
	}
	return out
}

// maxEnvString is Linux's MAX_ARG_STRLEN (32 pages): execve refuses an environment string
// ("NAME=value" and its NUL) longer than this with E2BIG, so no process starts.
const maxEnvString = 131072

// envValueControl describes the first control character of an environment value other than a
// tab or a line break, which a value may hold; "" when there is none.
func envValueControl(value string) string {
	return controlCharacter(strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		return r
	}, value))
}

// resources validates resource settings with ZenML's rules.
func (r *resolver) resources(rs *ResourceSettings) ResolvedResources {
	var out ResolvedResources
	if rs.CPUCount != nil {
		if *rs.CPUCount <= 0 {
			r.fail(sectionResources, "cpu_count", fmt.Sprintf("must be greater than 0, got %v", *rs.CPUCount), "e.g. cpu_count: 2 or 0.5")
		}
		out.CPUCount = *rs.CPUCount
	}
	if rs.GPUCount != nil {
		if *rs.GPUCount < 0 {
			r.fail(sectionResources, "gpu_count", fmt.Sprintf("must be 0 or more, got %d", *rs.GPUCount), "e.g. gpu_count: 1")
		}
		out.GPUCount = *rs.GPUCount
	}
	if rs.Memory != nil {
		if !memoryRE.MatchString(*rs.Memory) {
			r.fail(sectionResources, "memory", fmt.Sprintf("invalid memory size %q", *rs.Memory),
				"write a whole number with a unit: KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB or PiB (e.g. 16GB, 512MiB)")
		}
		out.Memory = *rs.Memory
	}
	return out
}

// eachMatches checks that every entry of a list field matches re, naming the entry on failure.
func (r *resolver) eachMatches(field string, entries []string, re *regexp.Regexp, msgFormat, fix string) {
	for i, entry := range entries {
		at := fmt.Sprintf("%s[%d]", field, i)
		if r.controlFree(at, entry) && !re.MatchString(entry) {
			r.fail(sectionDocker, at, fmt.Sprintf(msgFormat, entry), fix)
		}
	}
}

// relPath validates an optional source-relative path and returns it cleaned ("" when unset).
func (r *resolver) relPath(p *string, field string) string {
	if p == nil {
		return ""
	}
	clean, msg := checkRelPath(*p)
	if msg != "" {
		r.fail(sectionDocker, field, msg, "give a path relative to the source directory, inside it (remove the key to leave it unset)")
	}
	return clean
}

// checkArgv validates a command given as a list.
func (r *resolver) checkArgv(argv []string, field string) {
	if len(argv) == 0 {
		r.fail(sectionDocker, field, "the command is empty", "give the program and its arguments as a list, e.g. [uv, export, --no-hashes]")
		return
	}
	for i, a := range argv {
		r.controlFree(fmt.Sprintf("%s[%d]", field, i), a)
	}
}

// controlFree fails field when value holds a control character, which no name or argument may
// carry (see controlCharacter), and reports whether it holds none.
func (r *resolver) controlFree(field, value string) bool {
	if c := controlCharacter(value); c != "" {
		r.fail(sectionDocker, field, fmt.Sprintf("%q contains %s", value, c), "remove it")
		return false
	}
	return true
}

// buildArgs checks the build arguments of build options (either name ZenML accepts): each
// becomes an `ARG NAME` line of the Dockerfile rendering and a variable of the build steps, so
// a name must be a variable name and a value must hold no control character.
func (r *resolver) buildArgs(options map[string]any, field string) {
	for _, key := range []string{"build_args", "buildargs"} {
		args, ok := options[key].(map[string]any)
		if !ok {
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(args)) {
			at := field + "." + key + "." + name
			if !envNameRE.MatchString(name) {
				r.fail(sectionDocker, at, fmt.Sprintf("invalid build argument name %q", name), "use letters, digits and _, not starting with a digit")
				continue
			}
			r.controlFree(at, fmt.Sprint(args[name]))
		}
	}
}

// nothingToBuild is ZenML's refusal in build_docker_image: the default parent image, no
// Dockerfile, and nothing that requires a build (requires_zenml_build). user and
// runtime_environment do not count, and code counts only when ZenML would include it: with a
// local install command, or when downloading it from the artifact store is not allowed
// (BuildConfiguration.should_include_files, without a code repository).
func nothingToBuild(r *Resolved) bool {
	includeFiles := len(r.LocalProjectInstallCommand) > 0 || (r.AllowIncludingFilesInImages && !r.AllowDownloadFromArtifactStore)
	return r.ParentImageIsDefault && r.Dockerfile == "" &&
		len(r.Requirements) == 0 && r.RequirementsFile == "" && r.PyprojectPath == "" &&
		len(r.RequiredIntegrations) == 0 && r.LocalEnvironment == "" && !r.InstallStackRequirements &&
		len(r.AptPackages) == 0 && len(r.Environment) == 0 && !includeFiles
}

func deref0[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}
