package plan

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"

	"dagger/stepimage/settings"
)

// Layout says how an image's Python requirements are installed.
type Layout string

const (
	// LayoutSequential installs each requirement source in its own layer, in ZenML's order,
	// as ZenML's Dockerfile does: one changed requirement reinstalls its whole source.
	LayoutSequential Layout = "sequential"
	// LayoutLayered resolves every source first, exactly as the sequential installs would,
	// then installs the resolved packages with --no-deps in buckets, each from the same
	// pre-install image, and merges the buckets' changes: one changed requirement reruns the
	// resolve and the buckets whose packages changed, and equal buckets are equal layers in
	// every image built on the same base.
	LayoutLayered Layout = "layered"
	// DefaultLayout is the layout of a build that does not choose one.
	DefaultLayout = LayoutLayered
)

// Layouts are the layouts a caller can choose, for messages and the module's flag.
var Layouts = []Layout{LayoutLayered, LayoutSequential}

// ParseLayout reads a layout name; "" is DefaultLayout.
func ParseLayout(name string) (Layout, error) {
	if name == "" {
		return DefaultLayout, nil
	}
	if layout := Layout(name); slices.Contains(Layouts, layout) {
		return layout, nil
	}
	return "", fmt.Errorf("layout %q is not one of %v", name, Layouts)
}

// The resolve exec's script, and where it writes what it found, on its scratch copy.
var (
	resolveScriptFile = path.Join(InputsDir, "resolve.py")
	resolutionFile    = path.Join(InputsDir, "resolution.json")
	earlierFile       = path.Join(InputsDir, "earlier-sources.json")
)

// resolveScript runs on a throwaway copy of the pre-install image. It lists the installed
// distributions, runs the sequential installs exactly as the sequential layout would (but with
// uv's symlink link mode: nothing is copied, the copy is thrown away) except the last, which
// it only resolves (uv's dry run: what it would install and uninstall, without fetching or
// linking a wheel), and prints both lists with the option lines of the requirement files (and
// of the files they include with -r or -c) as JSON. Where the dry run fails or reports what
// the script does not know, the last install runs too, and its failure is the resolve's. Its
// argument is JSON data, never shell: installer arguments come from the user.
const resolveScript = `import importlib, importlib.metadata, json, os, re, shlex, subprocess, sys
spec = json.loads(sys.argv[1])
def installed():
    importlib.invalidate_caches()
    # The script's own directory is not the image's environment.
    return [[d.metadata['Name'] or '', d.version or '', d.read_text('direct_url.json') or '']
            for d in importlib.metadata.distributions(path=sys.path[1:])]
INCLUDE = re.compile(r'^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)?(\S+)$')
options = []
def scan(path, shown, seen):
    path = os.path.normpath(path)
    if path in seen or not os.path.isfile(path):
        return  # a missing include fails the install itself
    seen.add(path)
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = re.sub(r'(^|\s)#.*$', '', line).strip()
            if not line.startswith('-'):
                continue
            include = INCLUDE.match(line)
            if include:
                scan(os.path.join(os.path.dirname(path), include.group(1)), include.group(1), seen)
            else:
                options.append({'file': shown, 'line': number, 'text': line})
def install(name, argv):
    done = subprocess.run(argv, stdout=sys.stderr)
    if done.returncode:
        print('stepimage: resolving %s: %s failed with exit code %d' % (spec['names'][name], shlex.join(argv), done.returncode), file=sys.stderr)
        sys.exit(done.returncode)
ADDED = re.compile(r'^ \+ (.+)$', re.M)
PINNED = re.compile(r'^([^\s@=]+)==(\S+)$')
def dry_run(argv, current):
    """The environment after the install, from uv's dry run; or None and why not."""
    done = subprocess.run(argv, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode:
        return None, 'it exited with code %d' % done.returncode
    try:
        changes = json.loads(done.stdout)['changes']
        # What the text says of each added distribution: name==version from an index, or
        # anything else (name @ URL, a path, a VCS) from elsewhere.
        added = {}
        for line in ADDED.findall(done.stderr):
            pinned = PINNED.match(line)
            added[normalize(pinned.group(1) if pinned else re.split(r'[\s@=]', line, 1)[0])] = '' if pinned else line
        after = list(current)
        for change in changes:
            name, version, action = change['name'], change['version'], change['action']
            if action == 'uninstalled':
                match = [d for d in after if normalize(d[0]) == normalize(name) and d[1] == version]
                if not match:
                    return None, 'it uninstalls %s %s, which is not installed' % (name, version)
                after.remove(match[0])
            elif action == 'installed' and normalize(name) in added:
                origin = added[normalize(name)]
                after.append([name, version, json.dumps({'from': origin}) if origin else ''])
            else:
                return None, 'it reports %s %s %s, which its text does not show' % (action, name, version)
        return after, ''
    except (ValueError, KeyError, TypeError) as error:
        return None, 'its report is not the JSON this script reads: %r' % error
def normalize(name):
    return re.sub(r'[-_.]+', '-', name).lower()
for name in spec['files']:
    scan(name, spec['names'][name], set())
if spec.get('earlier'):
    # The earlier sources' installs ran in the exec before, on this same copy.
    with open(spec['earlier'], encoding='utf-8') as f:
        earlier = json.load(f)
    before, current, options = earlier['before'], earlier['after'], earlier['options'] + options
else:
    before = current = installed()
pairs = list(zip(spec['files'], spec['installs']))
dry = spec.get('dry_run')
for name, argv in pairs[:-1] if dry else pairs:
    install(name, argv)
    current = None
if current is None:
    current = installed()
after, why = dry_run(dry, current) if dry else (current, '')
if after is None:
    # Slower, not wrong: the install itself says what it installs.
    print('stepimage: resolving %s by installing it: uv\'s dry run could not be read (%s)' % (spec['names'][pairs[-1][0]], why), file=sys.stderr)
    install(*pairs[-1])
    after = installed()
report = {'before': before, 'after': after, 'options': options}
if spec.get('earlier'):
    report['earlier'] = earlier['after']
json.dump(report, sys.stdout)
`

// resolveSpec is the resolve script's argument.
type resolveSpec struct {
	// Files are the requirement files the installs read, whose option lines are reported.
	Files []string `json:"files"`
	// Names says what each file is, for people (the user's file name, or the source's kind).
	Names map[string]string `json:"names"`
	// Installs are the sequential installs' argvs, in order.
	Installs [][]string `json:"installs"`
	// DryRun is the last install's argv as uv's dry run with a JSON report, which the script
	// reads instead of running the last install.
	DryRun []string `json:"dry_run,omitempty"`
	// Earlier is the output of the exec before, which ran the earlier sources' installs on
	// the same copy: its lists and options continue.
	Earlier string `json:"earlier,omitempty"`
}

// packagesLayer returns the layered install of the given sequential install layers, or "" and
// the reason the image must keep the sequential layout.
func (p *Plan) packagesLayer(sources []Layer) (Layer, string) {
	r := p.Settings
	if r.Installer != settings.InstallerUV {
		return Layer{}, "the layered layout resolves and installs with uv; python_package_installer is pip"
	}
	for _, arg := range r.InstallerArgs {
		switch arg.Name {
		case "target", "prefix", "python", "no-deps", "link-mode":
			return Layer{}, fmt.Sprintf("python_package_installer_args sets --%s, which the layered layout's installs cannot honour the same way", arg.Name)
		}
	}
	// The earlier sources' installs run in one exec and the last source's dry run in the next,
	// both on the throwaway copy: a change to the last source (the user's requirements, in
	// ZenML's order) reruns the dry run only.
	var execs []Exec
	earlier, last := sources[:len(sources)-1], sources[len(sources)-1]
	spec := resolveSpec{DryRun: dryRunOf(last.Execs[len(last.Execs)-1].Argv)}
	if len(earlier) > 0 {
		execs = resolveExecs(earlier, earlierFile, resolveSpec{})
		spec.Earlier = earlierFile
	}
	execs = append(execs, resolveExecs([]Layer{last}, resolutionFile, spec)...)
	kinds := make([]string, len(sources))
	for i, source := range sources {
		kinds[i] = string(source.Kind)
	}
	return Layer{Kind: KindPackages, Execs: execs, Sources: sources,
		Summary: fmt.Sprintf("resolve %v as the sequential installs would (on a throwaway copy; the last one by uv's dry run), then install the resolved packages with --no-deps in buckets "+
			"(large packages alone, the rest in up to %d by name), each from this same image, and merge them", kinds, SmallBuckets),
		InvalidatedBy: []string{"the last source reruns its dry run; an earlier source also reruns the earlier installs on the copy; a bucket reruns only when its packages or versions change"}}, ""
}

// resolveExecs returns the sources' own earlier execs (the pyproject export) and one exec of
// the resolve script that runs their installs (as spec says) and writes its JSON to stdout.
func resolveExecs(sources []Layer, stdout string, spec resolveSpec) []Exec {
	spec.Names = map[string]string{}
	var execs []Exec
	resolve := Exec{Network: true, Scratch: true, Stdout: stdout, WithoutSbin: true,
		Mounts: []Mount{tempMount, cacheMount(UVVolume, uvCacheDir), {Kind: MountText, Target: resolveScriptFile, Text: resolveScript}}}
	for _, source := range sources {
		install := source.Execs[len(source.Execs)-1]
		// The source's own earlier execs (the pyproject export) run on the same scratch copy,
		// where their output is a plain file for the resolve to read.
		for _, exec := range source.Execs[:len(source.Execs)-1] {
			exec.Mounts = ownedBy(exec.Mounts, source.Kind)
			execs = append(execs, exec)
		}
		for _, m := range install.Mounts {
			if m.Kind == MountInput {
				m.Layer = source.Kind
				resolve.Mounts = append(resolve.Mounts, m)
			}
		}
		spec.Files = append(spec.Files, source.RequirementsFile)
		spec.Names[source.RequirementsFile] = sourceName(source)
		spec.Installs = append(spec.Installs, withLinkMode(install.Argv, "symlink"))
	}
	data, err := json.Marshal(spec)
	if err != nil {
		panic(fmt.Sprintf("encoding the resolve spec: %v", err))
	}
	resolve.Argv = []string{"python3", resolveScriptFile, string(data)}
	return append(execs, resolve)
}

// ownedBy marks a source's input mounts as that source's, for an exec moved out of its layer.
func ownedBy(mounts []Mount, kind Kind) []Mount {
	mounts = slices.Clone(mounts)
	for i := range mounts {
		if mounts[i].Kind == MountInput {
			mounts[i].Layer = kind
		}
	}
	return mounts
}

func sourceName(source Layer) string {
	if source.SourceFile != "" && source.Kind == KindRequirements {
		return source.SourceFile
	}
	return string(source.Kind)
}

// dryRunOf returns a uv install's argv as the resolve's dry run of it, with uv's JSON report;
// nil for another installer, whose install the resolve runs.
func dryRunOf(argv []string) []string {
	if argv[0] != "uv" {
		return nil
	}
	return append(withLinkMode(argv, "symlink"), "--dry-run", "--output-format=json")
}

// withLinkMode returns the install argv with uv's --link-mode replaced.
func withLinkMode(argv []string, mode string) []string {
	argv = slices.Clone(argv)
	for i, arg := range argv {
		if arg == "--link-mode=copy" {
			argv[i] = "--link-mode=" + mode
		}
	}
	return argv
}

// Sequential returns the plan with a layered install replaced by its sources, as the
// Dockerfile rendering and a fallback need them.
func (p *Plan) Sequential() []Layer {
	var sequential []Layer
	for _, layer := range p.Layers {
		if layer.Kind == KindPackages {
			sequential = append(sequential, layer.Sources...)
			continue
		}
		sequential = append(sequential, layer)
	}
	return sequential
}

// placeBesideInstalls lets the code and user layers of a layered plan run beside the installs
// (see Layer.BesideInstalls): they write /app and the user's account, which no install touches.
// A local project install reads the installed packages, so with one everything stays in order.
func (p *Plan) placeBesideInstalls() {
	if p.Find(KindPackages) == nil || p.Find(KindLocalInstall) != nil {
		return
	}
	for i := range p.Layers {
		if kind := p.Layers[i].Kind; kind == KindCode || kind == KindUser {
			p.Layers[i].BesideInstalls = true
		}
	}
}
