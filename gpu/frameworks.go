package gpu

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// framework is one ML framework found in the image or its requirements.
type framework struct {
	Name    string // torch, jax, cupy-cuda12x, tensorflow
	Version string
	Flavor  buildFlavor
	// Bundled: the framework brings its own CUDA runtime (pip nvidia-* wheels or
	// libraries vendored in the wheel), so the image needs no system CUDA for it.
	Bundled bool
	// Imported: a probe imported it, so its libraries demonstrably load.
	Imported bool
	// PyPIDefault: a torch requirement with no build tag and no PyTorch index; on
	// Linux x86_64 PyPI serves the CUDA build (with nvidia-* wheels), elsewhere
	// the CPU build, so the flavor is only known once a probe has run.
	PyPIDefault bool
}

func (f framework) label() string {
	if f.Version != "" {
		return f.Name + " " + f.Version
	}
	return f.Name
}

// sources is the view of the inputs that framework detection reads.
type sources struct {
	probe        *ProbeReport
	havePackages bool              // the probe listed packages (so absence means absent)
	pkgs         map[string]string // installed name -> version (probe)
	reqs         []requirement
	indexFlavor  buildFlavor // from a download.pytorch.org index in the requirement lines
	wheelMajors  map[int]bool
}

func newSources(in Input) sources {
	s := sources{probe: in.Probe, pkgs: map[string]string{}}
	var names []string
	if in.Probe != nil && in.Probe.Packages != nil {
		s.havePackages = true
		for _, p := range in.Probe.Packages {
			n := normalizeName(p.Name)
			if _, dup := s.pkgs[n]; !dup {
				s.pkgs[n] = p.Version
			}
			names = append(names, n)
		}
	}
	for _, line := range in.Requirements {
		if m := pytorchIndex.FindStringSubmatch(line); m != nil && !s.indexFlavor.known() {
			s.indexFlavor = flavorFromTag(m[1], "PyTorch index "+m[0])
		}
		r, ok := parseRequirement(line)
		if !ok || r.Options {
			continue
		}
		s.reqs = append(s.reqs, r)
		if !s.havePackages {
			names = append(names, r.Name)
		}
	}
	s.wheelMajors = nvidiaWheelMajors(names)
	return s
}

func (f buildFlavor) known() bool { return f.Kind != "" }

func (s sources) req(name string) (requirement, bool) {
	for _, r := range s.reqs {
		if r.Name == name {
			return r, true
		}
	}
	return requirement{}, false
}

// installed answers from the probe when it listed packages, else from requirements.
func (s sources) installed(name string) (version string, ok bool) {
	if s.havePackages {
		v, ok := s.pkgs[name]
		return v, ok
	}
	r, ok := s.req(name)
	return r.Pinned, ok
}

func (s sources) names() []string {
	if s.havePackages {
		return slices.Sorted(maps.Keys(s.pkgs))
	}
	var out []string
	for _, r := range s.reqs {
		out = append(out, r.Name)
	}
	return out
}

// detectFrameworks returns the frameworks found, most important first: torch,
// jax, cupy, tensorflow. The first is the step's primary framework.
func detectFrameworks(s sources) []framework {
	var out []framework
	for _, detect := range []func(sources) (framework, bool){detectTorch, detectJAX, detectCuPy, detectTensorFlow} {
		if f, ok := detect(s); ok {
			out = append(out, f)
		}
	}
	return out
}

func detectTorch(s sources) (framework, bool) {
	f := framework{Name: "torch"}
	if t := s.probe; t != nil && t.Torch != nil && t.Torch.Imported {
		f.Version, f.Imported = t.Torch.Version, true
		if cuda, _ := t.TorchCUDA(); cuda != "" {
			// It imported, so the CUDA libraries it links loaded: whatever their
			// origin (nvidia-* wheels, conda, vendored), torch is self-sufficient.
			f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: cuda, Source: "torch.version.cuda in the image"}
			f.Bundled = true
			return f, true
		}
		f.Flavor = flavorFromVersion(f.Version, "torch.version.cuda is None")
		if f.Flavor.Kind != flavorOther {
			f.Flavor = buildFlavor{Kind: flavorCPU, Source: "torch.version.cuda is None in the image"}
		}
		return f, true
	}
	if s.havePackages {
		v, ok := s.pkgs["torch"]
		if !ok {
			return f, false
		}
		f.Version = v
		f.Flavor = flavorFromVersion(v, "torch version "+v)
		if !f.Flavor.known() {
			// No local tag: a PyPI build or a conda build. The runtime wheel
			// installed beside it tells which CUDA it uses.
			if wv, src := s.runtimeWheel(); wv != "" {
				f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: CUDAMajorMinor(wv), Source: src + " installed with torch"}
			}
		}
		// PyTorch's CUDA wheels, from PyPI or download.pytorch.org, carry their
		// CUDA runtime (as nvidia-* wheel dependencies or vendored in torch/lib).
		f.Bundled = f.Flavor.Kind == flavorCUDA
		return f, true
	}
	r, ok := s.req("torch")
	if !ok {
		return f, false
	}
	f.Version = r.Pinned
	f.Flavor = flavorFromVersion(r.Pinned, "requirement "+strings.TrimSpace(r.Raw))
	if !f.Flavor.known() && r.URL != "" {
		if m := localTag.FindStringSubmatch(r.URL); m != nil {
			f.Flavor = flavorFromTag(m[1], "wheel URL "+r.URL)
		} else if m := pytorchIndex.FindStringSubmatch(r.URL); m != nil {
			f.Flavor = flavorFromTag(m[1], "wheel URL "+r.URL)
		}
	}
	if !f.Flavor.known() && s.indexFlavor.known() {
		f.Flavor = s.indexFlavor
	}
	if !f.Flavor.known() {
		f.PyPIDefault = true
	}
	f.Bundled = f.Flavor.Kind == flavorCUDA
	return f, true
}

// flavorFromVersion reads a local version tag: 2.4.0+cu121, 2.2.0+cpu, 2.3.0+rocm6.0.
func flavorFromVersion(v, source string) buildFlavor {
	i := strings.IndexByte(v, '+')
	if i < 0 {
		return buildFlavor{}
	}
	return flavorFromTag(v[i+1:], source)
}

var (
	jaxExtra  = regexp.MustCompile(`^cuda(\d*)(?:-(pip|local))?$`)
	jaxPlugin = regexp.MustCompile(`^jax-cuda(\d+)-(?:plugin|pjrt)$`)
	jaxlibTag = regexp.MustCompile(`\+cuda(\d+)`)
	cupyName  = regexp.MustCompile(`^cupy-cuda(\d+)(x?)$`)
)

func detectJAX(s sources) (framework, bool) {
	f := framework{Name: "jax"}
	jv, haveJAX := s.installed("jax")
	lv, haveLib := s.installed("jaxlib")
	if !haveJAX && !haveLib {
		return f, false
	}
	f.Version = jv
	// The CUDA plugin (jax >= 0.4.26) decides the flavor; its [with-cuda] extra
	// (what jax[cuda12] installs) brings the nvidia-* wheels.
	for _, n := range s.names() {
		if m := jaxPlugin.FindStringSubmatch(n); m != nil {
			f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: m[1], Source: n}
			f.Bundled = s.wheelMajors[cudaMajor(m[1])]
			if r, ok := s.req(n); ok && !s.havePackages && r.hasExtra("with-cuda") {
				f.Bundled = true
			}
			return f, true
		}
	}
	if m := jaxlibTag.FindStringSubmatch(lv); m != nil { // older jaxlib+cuda12.cudnn89 wheels
		f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: m[1], Source: "jaxlib " + lv}
		f.Bundled = s.wheelMajors[cudaMajor(m[1])]
		return f, true
	}
	if !s.havePackages {
		if r, ok := s.req("jax"); ok {
			for _, e := range r.Extras {
				m := jaxExtra.FindStringSubmatch(normalizeName(e))
				if m == nil {
					continue
				}
				f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: m[1], Source: "requirement " + strings.TrimSpace(r.Raw)}
				// jax[cuda12] and jax[cuda12_pip] install CUDA from pip;
				// jax[cuda12_local] expects it in the image.
				f.Bundled = m[2] != "local"
				return f, true
			}
		}
	}
	f.Flavor = buildFlavor{Kind: flavorCPU, Source: "jax without a CUDA plugin (jax-cudaNN-plugin) or CUDA extra"}
	return f, true
}

func detectCuPy(s sources) (framework, bool) {
	for _, n := range s.names() {
		f := framework{Name: n}
		f.Version, _ = s.installed(n)
		switch {
		case cupyName.MatchString(n):
			m := cupyName.FindStringSubmatch(n)
			cuda := m[1] // cupy-cuda12x -> 12
			if m[2] == "" {
				cuda = cuTagVersion(m[1]) // cupy-cuda117 -> 11.7
			}
			f.Flavor = buildFlavor{Kind: flavorCUDA, CUDA: cuda, Source: "package " + n}
			// CuPy wheels need the CUDA libraries from the image, unless the
			// [ctk] extra or the nvidia-* wheels bring them.
			f.Bundled = s.wheelMajors[cudaMajor(cuda)]
			if r, ok := s.req(n); ok && !s.havePackages && r.hasExtra("ctk") {
				f.Bundled = true
			}
			return f, true
		case n == "cupy": // built from source against the image's CUDA
			f.Flavor = buildFlavor{Kind: flavorCUDA, Source: "package cupy (source build)"}
			return f, true
		case strings.HasPrefix(n, "cupy-rocm"):
			f.Flavor = buildFlavor{Kind: flavorOther, Other: strings.TrimPrefix(n, "cupy-"), Source: "package " + n}
			return f, true
		}
	}
	return framework{}, false
}

func detectTensorFlow(s sources) (framework, bool) {
	if v, ok := s.installed("tensorflow-cpu"); ok {
		return framework{Name: "tensorflow-cpu", Version: v,
			Flavor: buildFlavor{Kind: flavorCPU, Source: "package tensorflow-cpu"}}, true
	}
	for _, n := range []string{"tensorflow", "tensorflow-gpu"} {
		v, ok := s.installed(n)
		if !ok {
			continue
		}
		f := framework{Name: n, Version: v, Flavor: buildFlavor{Kind: flavorCUDA, Source: "package " + n}}
		// tensorflow[and-cuda] installs the nvidia-* wheels; plain tensorflow
		// expects CUDA in the image.
		if r, ok := s.req(n); ok && !s.havePackages && r.hasExtra("and-cuda") {
			f.Bundled = true
		}
		if s.wheelMajors[12] || s.wheelMajors[13] {
			f.Bundled = true
		}
		return f, true
	}
	return framework{}, false
}

// runtimeWheel finds the CUDA runtime wheel among installed packages (probe) or
// requirements: its CUDA version (the wheel version, 12.1.105, or only the
// major from the name when unpinned) and a description.
func (s sources) runtimeWheel() (version, source string) {
	for _, n := range s.names() {
		major, ok := cudaRuntimeWheel(n)
		if !ok {
			continue
		}
		v, _ := s.installed(n)
		if v == "" && major > 0 {
			return fmt.Sprint(major), "requirement " + n
		}
		if v == "" {
			continue
		}
		if s.havePackages {
			return v, fmt.Sprintf("package %s %s", n, v)
		}
		return v, fmt.Sprintf("requirement %s==%s", n, v)
	}
	return "", ""
}
