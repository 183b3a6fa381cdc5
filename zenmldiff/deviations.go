package zenmldiff

import (
	"path"
	"slices"
	"strings"

	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// Deviation is a documented, deliberate difference between stepimage's Dockerfile and ZenML's.
// Apply rewrites the two normalised renderings so that the deviation no longer shows, and
// reports whether it found anything to rewrite. Each one matches narrowly: it must never hide
// a difference it does not describe.
type Deviation struct {
	ID          string
	Description string
	Apply       func(c Context, zen, step []Instruction) (newZen, newStep []Instruction, matched bool)
}

// Context is what a deviation may look at besides the two renderings.
type Context struct {
	// Resolved are stepimage's resolved settings of the image.
	Resolved *settings.Resolved
}

// requirementFiles maps stepimage's in-image requirement files to the files ZenML's
// PipelineDockerImageBuilder writes for the same source.
var requirementFiles = map[string]string{
	"local-environment.txt":        ".zenml_local_requirements",
	"stack-requirements.txt":       ".zenml_stack_integration_requirements",
	"integration-requirements.txt": ".zenml_integration_requirements",
	"pyproject-requirements.txt":   ".zenml_pyproject_requirements",
	"requirements.txt":             ".zenml_user_requirements",
}

// Deviations are applied in this order; later ones see the result of earlier ones.
var Deviations = []Deviation{
	{
		ID:          "labels",
		Description: "stepimage labels every image (steps, settings digest, parent, content digest); ZenML adds no LABEL",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			out, matched := dropInstructions(step, func(in Instruction) bool { return in.Cmd == "LABEL" })
			return zen, out, matched
		},
	},
	{
		ID: "default-parent",
		Description: "the default parent is " + settings.DefaultParentImage + " with zenml==<version> installed by stepimage's first " +
			"install (the Docker Hub image is not needed); ZenML's is zenmldocker/zenml:<version>-py<python>, which carries zenml",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if len(zen) == 0 || len(step) == 0 || zen[0].Cmd != "FROM" || len(zen[0].Args) == 0 || !strings.HasPrefix(zen[0].Args[0], "zenmldocker/zenml:") ||
				!slices.Equal(step[0].Args, []string{settings.DefaultParentImage}) {
				return zen, step, false
			}
			installsZenML := func(in Instruction) bool {
				return in.Cmd == "RUN" && slices.Contains(in.Args, path.Join(plan.InputsDir, "zenml-requirements.txt"))
			}
			out, matched := dropInstructions(step, installsZenML)
			if !matched {
				return zen, step, false
			}
			out[0] = zen[0]
			return zen, out, true
		},
	},
	{
		ID: "dockerfile-parent",
		Description: "with dockerfile, the rendering names the image built from it ARG PARENT / FROM ${PARENT}; ZenML " +
			"tags it <repository>:<tag>-intermediate-build and writes FROM with that name",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			i := slices.IndexFunc(step, func(in Instruction) bool { return in.Cmd == "FROM" && slices.Contains(in.Args, "${PARENT}") })
			if i < 0 || len(zen) == 0 || zen[0].Cmd != "FROM" || len(zen[0].Args) == 0 || !strings.HasSuffix(zen[0].Args[0], "-intermediate-build") {
				return zen, step, false
			}
			step = slices.Clone(step)
			step[i] = zen[0]
			step = slices.DeleteFunc(step, func(in Instruction) bool { return in.Cmd == "ARG" && slices.Equal(in.Args, []string{"PARENT"}) })
			return zen, step, true
		},
	},
	{
		ID: "secret-mounts",
		Description: "a secret build variable reaches each RUN as a BuildKit secret mount; ZenML bakes the " +
			"expanded value into an ENV line (ZenML #4599)",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			secrets := map[string]bool{}
			step = mapInstructions(step, func(in Instruction) Instruction {
				in.Flags = slices.DeleteFunc(slices.Clone(in.Flags), func(f string) bool {
					if !strings.HasPrefix(f, "--mount=type=secret,") {
						return false
					}
					for _, opt := range strings.Split(f, ",") {
						if name, ok := strings.CutPrefix(opt, "env="); ok {
							secrets[strings.ToUpper(name)] = true
						}
					}
					return true
				})
				return in
			})
			if len(secrets) == 0 {
				return zen, step, false
			}
			zen, _ = dropInstructions(zen, func(in Instruction) bool {
				return in.Cmd == "ENV" && len(in.Args) == 2 && secrets[strings.ToUpper(in.Args[0])]
			})
			return zen, step, true
		},
	},
	{
		ID: "cache-volumes",
		Description: "installs and apt use cache volumes (BuildKit cache mounts, --cache-dir, uv's " +
			"--link-mode=copy across the mount) instead of ZenML's --no-cache-dir; nothing cached reaches the image",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			matched := false
			step = mapInstructions(step, func(in Instruction) Instruction {
				if in.Cmd != "RUN" {
					return in
				}
				n := len(in.Flags) + len(in.Args)
				in.Flags = slices.DeleteFunc(slices.Clone(in.Flags), func(f string) bool { return strings.HasPrefix(f, "--mount=type=cache,") })
				if installCommand(in.Args) != "" {
					in.Args = slices.DeleteFunc(slices.Clone(in.Args), func(a string) bool {
						return strings.HasPrefix(a, "--cache-dir="+cacheRoot) || (a == "--link-mode=copy" && readsInput(in.Args))
					})
				}
				matched = matched || len(in.Flags)+len(in.Args) != n
				return in
			})
			if !matched {
				return zen, step, false
			}
			// ZenML's default flag gives way to the cache, unless stepimage kept it too.
			if !slices.ContainsFunc(step, func(in Instruction) bool { return slices.Contains(in.Args, "--no-cache-dir") }) {
				zen = mapInstructions(zen, func(in Instruction) Instruction {
					if in.Cmd == "RUN" && installCommand(in.Args) != "" {
						in.Args = slices.DeleteFunc(slices.Clone(in.Args), func(a string) bool { return a == "--no-cache-dir" })
					}
					return in
				})
			}
			return zen, step, true
		},
	},
	{
		ID:          "uv-pinned",
		Description: "uv is installed pinned (" + plan.UVRequirement + ") so its layer stays cached; ZenML runs `pip install uv`",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			matched := false
			step = mapInstructions(step, func(in Instruction) Instruction {
				if in.Cmd == "RUN" && slices.Equal(in.Args, []string{"pip", "install", plan.UVRequirement}) {
					matched = true
					in.Args = []string{"pip", "install", "uv"}
				}
				return in
			})
			return zen, step, matched
		},
	},
	{
		ID: "uv-system",
		Description: "uv installs get --system when the user chose no target (system, python, prefix, target): " +
			"the parent has no virtual environment (ZenML #2727, #2764)",
		Apply: func(c Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			if c.Resolved == nil || c.Resolved.Installer != "uv" || slices.ContainsFunc(c.Resolved.InstallerArgs, func(a settings.InstallerArg) bool {
				return a.Name == "system" || a.Name == "python" || a.Name == "prefix" || a.Name == "target"
			}) {
				return zen, step, false
			}
			return dropWordInInstalls(zen, step, "uv pip install", func(a string) bool { return a == "--system" })
		},
	},
	{
		ID: "uv-system-certs",
		Description: "uv trusts the image's certificate store as pip does (--system-certs on its installs, " +
			"UV_SYSTEM_CERTS=1 for the user's local install command), for TLS-intercepting proxies",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			zen, step, matched := dropWordInInstalls(zen, step, "uv pip install", func(a string) bool { return a == "--system-certs" })
			step = mapInstructions(step, func(in Instruction) Instruction {
				if in.Cmd == "RUN" && len(in.Args) > 1 && in.Args[0] == "UV_SYSTEM_CERTS=1" {
					matched = true
					in.Args = slices.Clone(in.Args[1:])
				}
				return in
			})
			return zen, step, matched
		},
	},
	{
		ID: "scratch-tmpfs",
		Description: "every install RUN gets a tmpfs on /tmp, so what installers leave there (uv's interpreter lock) never reaches " +
			"a layer; ZenML mounts nothing",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			matched := false
			step = mapInstructions(step, func(in Instruction) Instruction {
				n := len(in.Flags)
				in.Flags = slices.DeleteFunc(slices.Clone(in.Flags), func(f string) bool { return strings.HasPrefix(f, "--mount=type=tmpfs,") })
				matched = matched || len(in.Flags) != n
				return in
			})
			return zen, step, matched
		},
	},
	{
		ID: "requirements-location",
		Description: "each requirements file (the user's file as it is, or a generated one) is read from " +
			plan.InputsDir + "/<source>.txt, bind-mounted from the build context for the install only (or copied " +
			"there); ZenML copies its generated .zenml_* files into /app, next to the code",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			matched := false
			rename := func(p string) (string, bool) {
				if dir, file := path.Split(p); dir == plan.InputsDir+"/" && requirementFiles[file] != "" {
					return requirementFiles[file], true
				}
				return p, false
			}
			var out []Instruction
			for _, in := range step {
				switch {
				case in.Cmd == "COPY" && len(in.Args) == 2:
					if name, ok := rename(in.Args[1]); ok {
						matched = true
						in.Args = []string{name, "."}
					}
				case in.Cmd == "RUN":
					// A bound requirements file becomes ZenML's COPY before the install.
					var flags []string
					for _, f := range in.Flags {
						target := mountOption(f, "target")
						name, ok := rename(target)
						if !strings.HasPrefix(f, "--mount=type=bind,") || !ok {
							flags = append(flags, f)
							continue
						}
						matched = true
						out = append(out, Instruction{Cmd: "COPY", Args: []string{name, "."}})
					}
					in.Flags = flags
					if installCommand(in.Args) != "" {
						args := slices.Clone(in.Args)
						for i, a := range args {
							if name, ok := rename(a); ok && i > 0 && args[i-1] == "-r" {
								matched = true
								args[i] = name
							}
						}
						in.Args = args
					}
				}
				out = append(out, in)
			}
			return zen, out, matched
		},
	},
	{
		ID: "user-created",
		Description: "a named user the parent lacks is created (useradd, or adduser on busybox) before ZenML's " +
			"`chown -R USER .`; ZenML assumes it exists",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			out, matched := dropInstructions(step, func(in Instruction) bool {
				return in.Cmd == "RUN" && len(in.Args) > 3 && in.Args[0] == "id" && in.Args[1] == "-u" &&
					slices.Contains(in.Args, "useradd")
			})
			return zen, out, matched
		},
	},
	{
		ID:          "env-key-case",
		Description: "ENV keys are kept as written; ZenML upper-cases them (a variable named http_proxy stays http_proxy)",
		Apply: func(_ Context, zen, step []Instruction) ([]Instruction, []Instruction, bool) {
			upper := map[string]bool{}
			for _, in := range zen {
				if in.Cmd == "ENV" && len(in.Args) == 2 {
					upper[in.Args[0]] = true
				}
			}
			matched := false
			step = mapInstructions(step, func(in Instruction) Instruction {
				if in.Cmd == "ENV" && len(in.Args) == 2 && in.Args[0] != strings.ToUpper(in.Args[0]) && upper[strings.ToUpper(in.Args[0])] {
					matched = true
					in.Args = []string{strings.ToUpper(in.Args[0]), in.Args[1]}
				}
				return in
			})
			return zen, step, matched
		},
	},
}

// ApplyDeviations applies every deviation in order and returns the rewritten renderings and
// the IDs of the deviations that matched.
func ApplyDeviations(c Context, zen, step []Instruction) ([]Instruction, []Instruction, []string) {
	var ids []string
	for _, d := range Deviations {
		var matched bool
		zen, step, matched = d.Apply(c, zen, step)
		if matched {
			ids = append(ids, d.ID)
		}
	}
	return zen, step, ids
}

// installCommand names the install command that args start with ("uv pip install",
// "pip install", "python -m pip install"), or "".
func installCommand(args []string) string {
	for _, cmd := range [][]string{{"uv", "pip", "install"}, {"python", "-m", "pip", "install"}, {"pip", "install"}} {
		if len(args) >= len(cmd) && slices.Equal(args[:len(cmd)], cmd) {
			return strings.Join(cmd, " ")
		}
	}
	return ""
}

// mountOption returns the value of one option of a --mount=... flag ("" when absent).
func mountOption(flag, name string) string {
	for _, opt := range strings.Split(strings.TrimPrefix(flag, "--mount="), ",") {
		if v, ok := strings.CutPrefix(opt, name+"="); ok {
			return v
		}
	}
	return ""
}

// cacheRoot is where stepimage's own installs keep their cache volumes.
const cacheRoot = "/var/cache/stepimage/"

// readsInput reports whether an install reads a requirements file stepimage provides: one of
// its own installs, not the user's local_project_install_command.
func readsInput(args []string) bool {
	i := slices.Index(args, "-r")
	return i >= 0 && i+1 < len(args) && strings.HasPrefix(args[i+1], plan.InputsDir+"/")
}

// dropWordInInstalls removes the matching words from stepimage's own install commands of the
// given kind (never from the user's local_project_install_command).
func dropWordInInstalls(zen, step []Instruction, command string, drop func(string) bool) ([]Instruction, []Instruction, bool) {
	matched := false
	step = mapInstructions(step, func(in Instruction) Instruction {
		if in.Cmd == "RUN" && installCommand(in.Args) == command && readsInput(in.Args) {
			n := len(in.Args)
			in.Args = slices.DeleteFunc(slices.Clone(in.Args), drop)
			matched = matched || len(in.Args) != n
		}
		return in
	})
	return zen, step, matched
}

func mapInstructions(ins []Instruction, f func(Instruction) Instruction) []Instruction {
	out := make([]Instruction, len(ins))
	for i, in := range ins {
		out[i] = f(in)
	}
	return out
}

func dropInstructions(ins []Instruction, drop func(Instruction) bool) ([]Instruction, bool) {
	out := slices.DeleteFunc(slices.Clone(ins), drop)
	return out, len(out) != len(ins)
}
