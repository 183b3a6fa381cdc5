package gpu

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Input is what the static check knows about one step's image.
type Input struct {
	GPUCount      int               // resources.gpu_count of the step
	ParentImage   string            // e.g. "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime", "python:3.11-slim"
	ImageEnv      map[string]string // the built image's config env (CUDA_VERSION, NVIDIA_*); may be nil
	Requirements  []string          // resolved requirement specifiers ("torch==2.2.0", "jax[cuda12]")
	Probe         *ProbeReport      // probe.py output from the built image; may be nil
	DriverVersion string            // host NVIDIA driver, e.g. "535.104.05"; "" = unknown
}

// Severity ranks a finding. Only errors make a report fail.
type Severity string

const (
	SeverityError   Severity = "error"   // the step will not use the GPU (or not run)
	SeverityWarning Severity = "warning" // likely works, with a caveat worth acting on
	SeverityInfo    Severity = "info"    // context, nothing to fix
)

// Finding is one judgement with a stable Code for tests and tooling.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
}

// Report is the outcome of Check or Runtime.
type Report struct {
	ImageCUDA       string    `json:"image_cuda"`        // "12.1", "12", or "" when none was found
	ImageCUDASource string    `json:"image_cuda_source"` // where ImageCUDA was read
	FrameworkCUDA   string    `json:"framework_cuda"`    // CUDA the primary framework is built for
	Framework       string    `json:"framework"`         // primary framework, e.g. "torch 2.4.0+cu121"
	DriverVersion   string    `json:"driver_version"`    // host driver judged against, "" if unknown
	Findings        []Finding `json:"findings"`
}

// Finding codes. They are part of the API: tests and callers match on them.
const (
	CodeNoCUDARuntime         = "no-cuda-runtime"
	CodeCUDARuntimeUnverified = "cuda-runtime-unverified"
	CodeFrameworkCPUOnly      = "framework-cpu-only"
	CodeFrameworkNotCUDA      = "framework-not-cuda"
	CodeFrameworkCUDANewer    = "framework-cuda-newer-than-image"
	CodeFrameworkCUDAOlder    = "framework-cuda-older-than-image"
	CodeFrameworkCUDAMinor    = "framework-cuda-minor-newer-than-image"
	CodeFrameworkOwnCUDA      = "framework-brings-own-cuda"
	CodeDriverTooOld          = "driver-too-old"
	CodeDriverMinorCompat     = "driver-minor-compat"
	CodeDriverUnchecked       = "driver-unchecked"
	CodeDriverUnknown         = "driver-unknown"
	CodeCUDAVersionUnknown    = "cuda-version-unknown"
	CodeCUDAClaimedNotFound   = "cuda-claimed-not-found"
	CodeMultipleCUDARuntimes  = "multiple-cuda-runtimes"
	CodeCPUStepCUDAImage      = "cpu-step-cuda-image"
	CodeTorchImportFailed     = "torch-import-failed"
	CodeProbeSectionFailed    = "probe-section-failed"

	// Runtime (probe with --gpu) codes.
	CodeProbeMissing       = "probe-missing"
	CodeProbeNotGPU        = "probe-not-gpu-mode"
	CodeNvidiaSMIFailed    = "nvidia-smi-failed"
	CodeNoGPUs             = "no-gpus"
	CodeTooFewGPUs         = "too-few-gpus"
	CodeTorchNoCUDA        = "torch-cuda-unavailable"
	CodeTorchTooFewDevices = "torch-too-few-devices"
	CodeTorchComputeFailed = "torch-compute-failed"
	CodeNoFrameworkCheck   = "no-framework-runtime-check"
)

// Fix texts shared by several findings.
const (
	fixCUDAImage = "use a CUDA parent image, e.g. parent_image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime " +
		"or nvidia/cuda:12.1.1-runtime-ubuntu22.04, or install a framework build that brings its CUDA runtime " +
		"as pip wheels (torch from PyPI on Linux x86_64, jax[cuda12], tensorflow[and-cuda], cupy-cuda12x[ctk])"
	fixEngineGPU = "run the check with GPU access: a Dagger engine on a host with the NVIDIA driver and " +
		"NVIDIA Container Toolkit, started with GPU support, and the probe container given the GPUs"
)

// OK reports whether the report has no error findings.
func (r Report) OK() bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return false
		}
	}
	return true
}

// Count returns the number of findings with the given severity.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Has reports whether a finding with the given code is present.
func (r Report) Has(code string) bool {
	_, ok := r.Find(code)
	return ok
}

// Find returns the first finding with the given code.
func (r Report) Find(code string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}

// String renders a readable multi-line report: verdict, what was found, then
// findings ordered error, warning, info.
func (r Report) String() string {
	var b strings.Builder
	verdict := "OK"
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "GPU check: %s (%d error(s), %d warning(s), %d info)\n",
		verdict, r.Count(SeverityError), r.Count(SeverityWarning), r.Count(SeverityInfo))
	orNone := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	img := orNone(r.ImageCUDA, "none found")
	if r.ImageCUDASource != "" {
		img += " (" + r.ImageCUDASource + ")"
	}
	fmt.Fprintf(&b, "  image CUDA:     %s\n", img)
	fw := orNone(r.Framework, "none found")
	if r.Framework != "" {
		fw += ", CUDA " + orNone(r.FrameworkCUDA, "unknown/none")
	}
	fmt.Fprintf(&b, "  framework:      %s\n", fw)
	fmt.Fprintf(&b, "  host driver:    %s\n", orNone(r.DriverVersion, "unknown"))
	for _, sev := range []Severity{SeverityError, SeverityWarning, SeverityInfo} {
		for _, f := range r.Findings {
			if f.Severity != sev {
				continue
			}
			fmt.Fprintf(&b, "  %-7s [%s] %s\n", f.Severity, f.Code, f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "          fix: %s\n", f.Fix)
			}
		}
	}
	return b.String()
}

// analysis holds the facts Check derives before judging.
type analysis struct {
	src             sources
	frameworks      []framework
	imageCUDA       string
	imageSource     string
	imageFromSystem bool // imageCUDA is from the image itself (libcudart outside site-packages, env, tag)
	imagePresent    bool // CUDA known to be there, version possibly unknown
	claimedBy       string
	driver          string
}

func (a analysis) primary() (framework, bool) {
	if len(a.frameworks) == 0 {
		return framework{}, false
	}
	return a.frameworks[0], true
}

func analyze(in Input) analysis {
	a := analysis{src: newSources(in), driver: strings.TrimSpace(in.DriverVersion)}
	a.frameworks = detectFrameworks(a.src)
	if a.driver == "" && in.Probe != nil && in.Probe.NvidiaSMI != nil {
		a.driver = in.Probe.NvidiaSMI.DriverVersion()
	}
	wheelVer, wheelSrc := a.src.runtimeWheel()

	set := func(v, src string, system bool) {
		a.imageCUDA, a.imageSource, a.imageFromSystem, a.imagePresent = v, src, system, true
	}
	// 1. libcudart files found by the probe: the most direct evidence.
	if f, ok := bestLibcudart(in.Probe); ok {
		v := f.Version
		src := "libcudart " + f.Path
		if f.Real != "" && f.Real != f.Path {
			src += " -> " + filepath.Base(f.Real)
		}
		// pip wheels ship only libcudart.so.12; the wheel's version is precise.
		if versionDepth(v) < 2 && wheelVer != "" && cudaMajor(wheelVer) == cudaMajor(v) {
			v, src = wheelVer, src+"; version from "+wheelSrc
		}
		set(CUDAMajorMinor(v), src, !inSitePackages(f.Path))
	}
	// 2. CUDA_VERSION in the image config (set by nvidia/cuda and images built on it).
	envCUDA, envSrc := in.ImageEnv["CUDA_VERSION"], "image env CUDA_VERSION="
	if envCUDA == "" && in.Probe != nil {
		envCUDA, envSrc = in.Probe.Env["CUDA_VERSION"], "probe env CUDA_VERSION="
	}
	tagCUDA, tagPresent := imageCUDAFromRef(in.ParentImage)
	if envCUDA != "" {
		a.claimedBy = envSrc + envCUDA
	} else if tagPresent {
		a.claimedBy = "parent image " + in.ParentImage
	}
	switch {
	case a.imagePresent:
	case CUDAMajorMinor(envCUDA) != "":
		set(CUDAMajorMinor(envCUDA), envSrc+envCUDA, true)
	case wheelVer != "": // 3. the CUDA runtime wheel
		set(CUDAMajorMinor(wheelVer), wheelSrc, false)
	case tagCUDA != "": // 4. the parent image tag
		set(CUDAMajorMinor(tagCUDA), "parent image tag "+in.ParentImage, true)
	}
	// 5. A framework that brings its own runtime is the image's CUDA when
	// nothing else provides one (python:3.11-slim + torch from PyPI).
	if !a.imagePresent {
		for _, f := range a.frameworks {
			if f.Bundled && f.Flavor.CUDA != "" {
				set(CUDAMajorMinor(f.Flavor.CUDA), "bundled with "+f.label()+" ("+f.Flavor.Source+")", false)
				break
			}
		}
	}
	if !a.imagePresent && tagPresent {
		a.imagePresent = true
		a.imageSource = "parent image " + in.ParentImage + " (CUDA version not in the tag)"
		a.imageFromSystem = true
	}
	return a
}

// bestLibcudart picks the highest-versioned libcudart, preferring precise
// versions: the one a CUDA-using process is most likely to need the driver for.
func bestLibcudart(p *ProbeReport) (LibcudartFile, bool) {
	if p == nil || p.Libcudart == nil {
		return LibcudartFile{}, false
	}
	var best LibcudartFile
	found := false
	for _, f := range p.Libcudart.Files {
		f.Version = libcudartVersion(f)
		if _, err := ParseVersion(f.Version); err != nil {
			continue
		}
		if !found {
			best, found = f, true
			continue
		}
		c, _ := CompareVersions(f.Version, best.Version)
		// On a tie prefer the more precise name, then the real file over a link.
		dc := versionDepth(f.Version) - versionDepth(best.Version)
		if c > 0 || c == 0 && (dc > 0 || dc == 0 && f.Path == f.Real && best.Path != best.Real) {
			best = f
		}
	}
	return best, found
}

// libcudartVersion is the file's version, reduced to the major when the name
// is a soname copy: torch < 1.13 wheels vendored libcudart-<hash>.so.11.0,
// where "11.0" is the CUDA 11 soname, not the release.
func libcudartVersion(f LibcudartFile) string {
	name := filepath.Base(f.Real)
	if name == "." || f.Real == "" {
		name = filepath.Base(f.Path)
	}
	if strings.HasPrefix(name, "libcudart-") {
		if m := cudaMajor(f.Version); m > 0 {
			return fmt.Sprint(m)
		}
	}
	return f.Version
}

func libcudartMajors(p *ProbeReport) map[int][]string {
	out := map[int][]string{}
	if p == nil || p.Libcudart == nil {
		return out
	}
	for _, f := range p.Libcudart.Files {
		if m := cudaMajor(f.Version); m > 0 {
			out[m] = append(out[m], f.Path)
		}
	}
	return out
}

func inSitePackages(path string) bool {
	return strings.Contains(path, "/site-packages/") || strings.Contains(path, "/dist-packages/")
}

// Check runs the static rules: everything that can be judged without a GPU.
// See docs/gpu.md for the rules and what each finding means.
func Check(in Input) Report {
	c := newChecker(in)
	c.probeHealth()
	if in.GPUCount == 0 {
		c.cpuStep()
		return c.r
	}
	cpuPrimary := c.frameworkBuilds()
	c.runtimePresent(cpuPrimary)
	c.probeClaims()
	c.frameworkCUDA()
	c.driver()
	return c.r
}

// checker holds what the rules share: the input, its analysis, and the report they add to.
type checker struct {
	in Input
	a  analysis
	r  Report
}

func newChecker(in Input) *checker {
	a := analyze(in)
	c := &checker{in: in, a: a, r: Report{ImageCUDA: a.imageCUDA, ImageCUDASource: a.imageSource, DriverVersion: a.driver}}
	if prim, ok := a.primary(); ok {
		c.r.Framework = prim.label()
		if prim.Flavor.Kind == flavorCUDA {
			c.r.FrameworkCUDA = CUDAMajorMinor(prim.Flavor.CUDA)
		}
	}
	return c
}

func (c *checker) add(sev Severity, code, fix, format string, args ...any) {
	c.r.Findings = append(c.r.Findings, Finding{Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Fix: fix})
}

// probeHealth reports probe sections that failed, and a torch that does not import: that
// breaks the step whether or not it uses a GPU.
func (c *checker) probeHealth() {
	p := c.in.Probe
	if p == nil {
		return
	}
	for _, e := range p.Errors {
		c.add(SeverityWarning, CodeProbeSectionFailed, "", "probe section failed: %s", e)
	}
	if t := p.Torch; t != nil && t.Installed && !t.Imported {
		c.add(SeverityError, CodeTorchImportFailed,
			"make torch's native libraries loadable: install the torch build for this image's Python and platform, "+
				"and keep LD_LIBRARY_PATH from shadowing the CUDA libraries torch ships",
			"torch is installed but does not import: %s", orUnknown(t.Error))
	}
}

// cpuStep notes a CUDA runtime in a CPU step's image: it costs gigabytes for nothing.
func (c *checker) cpuStep() {
	a := c.a
	if !a.imagePresent && !anyCUDABuild(a.frameworks) {
		return
	}
	what := "the image"
	if a.imageCUDA != "" {
		what = "the image (CUDA " + a.imageCUDA + ", " + a.imageSource + ")"
	}
	c.add(SeverityInfo, CodeCPUStepCUDAImage,
		"for CPU-only steps use a slim parent image (python:3.11-slim) and CPU framework builds "+
			"(torch from https://download.pytorch.org/whl/cpu); keep CUDA images for steps with gpu_count > 0",
		"step requests no GPU but %s carries CUDA: a heavier image than needed", what)
}

// frameworkBuilds flags frameworks that cannot use NVIDIA GPUs; it reports whether the step's
// main framework is one of them.
func (c *checker) frameworkBuilds() (cpuPrimary bool) {
	for i, f := range c.a.frameworks {
		sev := SeverityWarning
		if i == 0 {
			sev = SeverityError // the step's main framework would silently run on CPU
		}
		switch f.Flavor.Kind {
		case flavorCPU:
			cpuPrimary = cpuPrimary || i == 0
			c.add(sev, CodeFrameworkCPUOnly, cpuFix(f),
				"%s is a CPU-only build (%s): the step requests %d GPU(s) but %s cannot use them",
				f.label(), f.Flavor.Source, c.in.GPUCount, f.Name)
		case flavorOther:
			cpuPrimary = cpuPrimary || i == 0
			c.add(sev, CodeFrameworkNotCUDA, cpuFix(f),
				"%s is a %s build (%s): it cannot use NVIDIA GPUs", f.label(), f.Flavor.Other, f.Flavor.Source)
		}
	}
	return cpuPrimary
}

// runtimePresent requires a CUDA runtime from the image, a wheel or a framework.
func (c *checker) runtimePresent(cpuPrimary bool) {
	a, in := c.a, c.in
	if a.imagePresent || anyBundled(a.frameworks) || cpuPrimary {
		return
	}
	if f, ok := pypiDefaultTorch(a.frameworks); ok && in.Probe == nil {
		c.add(SeverityWarning, CodeCUDARuntimeUnverified,
			"pin the CUDA build (e.g. torch==2.4.0+cu121 with --extra-index-url https://download.pytorch.org/whl/cu121) "+
				"or run verify-gpu so the probe confirms torch.version.cuda",
			"the parent image %s has no CUDA runtime; %s from PyPI brings one on Linux x86_64 only (nvidia-* wheels), "+
				"which cannot be confirmed without running the probe", orUnknown(in.ParentImage), f.label())
		return
	}
	c.add(SeverityError, CodeNoCUDARuntime, fixCUDAImage,
		"the step requests %d GPU(s) but no CUDA runtime was found: not in the image (%s), "+
			"not in CUDA wheels, not brought by a framework", in.GPUCount, describeImageEvidence(in))
}

// probeClaims checks claims against the probe, the ground truth for files: a claim without a
// libcudart is suspect, and several CUDA majors are worth knowing about.
func (c *checker) probeClaims() {
	a, in := c.a, c.in
	if a.claimedBy != "" && in.Probe != nil && in.Probe.Libcudart != nil &&
		len(in.Probe.Libcudart.Files) == 0 && !anyBundled(a.frameworks) {
		c.add(SeverityWarning, CodeCUDAClaimedNotFound,
			"check the parent image flavor (nvidia/cuda *-base and *-runtime include libcudart) and that nothing removed /usr/local/cuda",
			"%s says CUDA is there, but the probe found no libcudart*.so* (searched %d directories)",
			a.claimedBy, len(in.Probe.Libcudart.Searched))
	}
	if majors := libcudartMajors(in.Probe); len(majors) > 1 {
		var parts []string
		for _, m := range slices.Sorted(maps.Keys(majors)) {
			parts = append(parts, fmt.Sprintf("CUDA %d: %s", m, strings.Join(majors[m], ", ")))
		}
		c.add(SeverityInfo, CodeMultipleCUDARuntimes, "",
			"the image holds CUDA runtimes of several majors (%s); each framework loads the one it was built for",
			strings.Join(parts, "; "))
	}
}

// frameworkCUDA compares each framework's CUDA with the image's.
func (c *checker) frameworkCUDA() {
	a := c.a
	imgMajor := cudaMajor(a.imageCUDA)
	for _, f := range a.frameworks {
		if f.Flavor.Kind != flavorCUDA || f.Flavor.CUDA == "" {
			continue
		}
		fwMajor := cudaMajor(f.Flavor.CUDA)
		if f.Bundled {
			if imgMajor > 0 && a.imageFromSystem && CUDAMajorMinor(f.Flavor.CUDA) != a.imageCUDA {
				c.add(SeverityInfo, CodeFrameworkOwnCUDA, "",
					"%s brings its own CUDA %s runtime; the image's CUDA %s (%s) is not what it uses, "+
						"so the driver must support CUDA %s",
					f.label(), f.Flavor.CUDA, a.imageCUDA, a.imageSource, f.Flavor.CUDA)
			}
			continue
		}
		if imgMajor <= 0 || a.imageSource == "" {
			continue
		}
		switch {
		case fwMajor > imgMajor:
			c.add(SeverityError, CodeFrameworkCUDANewer, mismatchFix(f, fwMajor, imgMajor),
				"%s is built for CUDA %s but the image has CUDA %s (%s): libcudart.so.%d is missing",
				f.label(), f.Flavor.CUDA, a.imageCUDA, a.imageSource, fwMajor)
		case fwMajor < imgMajor:
			c.add(SeverityError, CodeFrameworkCUDAOlder, mismatchFix(f, fwMajor, imgMajor),
				"%s is built for CUDA %s but the image has CUDA %s (%s): libcudart.so.%d is missing",
				f.label(), f.Flavor.CUDA, a.imageCUDA, a.imageSource, fwMajor)
		default:
			if cmp, err := CompareVersions(CUDAMajorMinor(f.Flavor.CUDA), a.imageCUDA); err == nil && cmp > 0 &&
				versionDepth(f.Flavor.CUDA) >= 2 && versionDepth(a.imageCUDA) >= 2 {
				c.add(SeverityWarning, CodeFrameworkCUDAMinor,
					fmt.Sprintf("use a parent image with CUDA >= %s", CUDAMajorMinor(f.Flavor.CUDA)),
					"%s is built for CUDA %s, newer than the image's CUDA %s: runtime APIs added after %s are missing",
					f.label(), f.Flavor.CUDA, a.imageCUDA, a.imageCUDA)
			}
		}
	}
}

// driver checks the host driver against every CUDA version the image needs.
func (c *checker) driver() {
	a := c.a
	targets := driverTargets(a)
	switch {
	case len(targets) == 0 && a.imagePresent:
		c.add(SeverityInfo, CodeCUDAVersionUnknown, "run verify-gpu so the probe reads the CUDA version from libcudart",
			"the CUDA version could not be determined (%s); the driver requirement was not checked", a.imageSource)
	case a.driver == "":
		if len(targets) > 0 {
			req, _ := RequiredDriver(targets[0].cuda)
			c.add(SeverityInfo, CodeDriverUnknown, "pass the host driver version (nvidia-smi) or run verify-gpu on a GPU engine",
				"host driver unknown; %s", req.describe())
		}
	default:
		for _, t := range targets {
			judgeDriver(&c.r, t, a.driver)
		}
	}
}

type driverTarget struct {
	cuda  string
	label string // what needs it: "image CUDA 12.1 (...)" or "torch 2.4.0+cu124"
}

// driverTargets lists the CUDA versions the driver must support: the image's and
// every CUDA framework build's, deduplicated, newest first.
func driverTargets(a analysis) []driverTarget {
	var out []driverTarget
	seen := map[string]bool{}
	addT := func(v, label string) {
		v = CUDAMajorMinor(v)
		if v == "" || seen[v] {
			return
		}
		seen[v] = true
		out = append(out, driverTarget{cuda: v, label: label})
	}
	for _, f := range a.frameworks {
		if f.Flavor.Kind == flavorCUDA {
			addT(f.Flavor.CUDA, f.label())
		}
	}
	addT(a.imageCUDA, "the image's CUDA ("+a.imageSource+")")
	sort.SliceStable(out, func(i, j int) bool {
		c, _ := CompareVersions(out[i].cuda, out[j].cuda)
		return c > 0
	})
	return out
}

func judgeDriver(r *Report, t driverTarget, driver string) {
	verdict, req := JudgeDriver(t.cuda, driver)
	add := func(sev Severity, code, fix, msg string) {
		r.Findings = append(r.Findings, Finding{Severity: sev, Code: code, Message: msg, Fix: fix})
	}
	switch verdict {
	case DriverTooOld:
		add(SeverityError, CodeDriverTooOld,
			fmt.Sprintf("upgrade the host NVIDIA driver to >= %s, or use an image and framework build for an older CUDA "+
				"the driver supports; on data-center GPUs the cuda-compat package (forward compatibility) is another route",
				orUnknown(req.Full, req.MinorCompat)),
			fmt.Sprintf("host driver %s is too old for CUDA %s used by %s: %s", driver, t.cuda, t.label, req.describe()))
	case DriverMinorCompat:
		add(SeverityWarning, CodeDriverMinorCompat,
			fmt.Sprintf("upgrade the host driver to >= %s for full CUDA %s support", req.Full, t.cuda),
			fmt.Sprintf("host driver %s runs CUDA %s (%s) only through minor-version compatibility; %s. "+
				"Most code works, but PTX JIT of newer PTX and APIs needing a newer driver fail",
				driver, t.cuda, t.label, req.describe()))
	case DriverUnknownCUDA:
		add(SeverityInfo, CodeDriverUnchecked, "",
			fmt.Sprintf("CUDA %s (%s) is not in the driver table; driver %s not checked", t.cuda, t.label, driver))
	case DriverUnparseable:
		add(SeverityWarning, CodeDriverUnchecked, "pass the driver as nvidia-smi prints it, e.g. 535.104.05",
			fmt.Sprintf("driver version %q does not parse; not checked", driver))
	case DriverFloorOnlyMet:
		if versionDepth(t.cuda) >= 2 {
			add(SeverityInfo, CodeDriverUnchecked, "",
				fmt.Sprintf("CUDA %s (%s) is not in the driver table; driver %s meets the CUDA %d.x floor %s only",
					t.cuda, t.label, driver, cudaMajor(t.cuda), req.MinorCompat))
		}
	}
}

func cpuFix(f framework) string {
	switch {
	case f.Name == "torch":
		return "install the CUDA build of torch: from PyPI on Linux x86_64 (torch==X.Y.Z, no +cpu), or " +
			"torch==X.Y.Z+cu121 with --extra-index-url https://download.pytorch.org/whl/cu121; drop any /whl/cpu index"
	case f.Name == "jax":
		return "install jax with CUDA support: jax[cuda12] (brings the CUDA wheels)"
	case strings.HasPrefix(f.Name, "tensorflow"):
		return "install tensorflow[and-cuda] instead of tensorflow-cpu"
	case strings.HasPrefix(f.Name, "cupy"):
		return "install the CUDA build of CuPy, e.g. cupy-cuda12x"
	}
	return "install the framework's CUDA build"
}

func mismatchFix(f framework, fwMajor, imgMajor int) string {
	return fmt.Sprintf("use a parent image with CUDA %d (e.g. nvidia/cuda:%d.x-runtime-ubuntu22.04), install the CUDA %d "+
		"runtime wheels (nvidia-cuda-runtime-cu%d and the libraries %s needs), or switch %s to its CUDA %d build",
		fwMajor, fwMajor, fwMajor, fwMajor, f.Name, f.Name, imgMajor)
}

func describeImageEvidence(in Input) string {
	var parts []string
	if in.ParentImage != "" {
		parts = append(parts, "parent "+in.ParentImage)
	}
	parts = append(parts, "no CUDA_VERSION")
	if in.Probe != nil && in.Probe.Libcudart != nil {
		parts = append(parts, fmt.Sprintf("no libcudart in %d searched directories", len(in.Probe.Libcudart.Searched)))
	}
	return strings.Join(parts, ", ")
}

func anyBundled(fs []framework) bool {
	for _, f := range fs {
		if f.Bundled && f.Flavor.Kind == flavorCUDA {
			return true
		}
	}
	return false
}

func anyCUDABuild(fs []framework) bool {
	for _, f := range fs {
		if f.Flavor.Kind == flavorCUDA && (f.Bundled || f.Flavor.CUDA != "") {
			return true
		}
	}
	return false
}

func pypiDefaultTorch(fs []framework) (framework, bool) {
	for _, f := range fs {
		if f.Name == "torch" && f.PyPIDefault {
			return f, true
		}
	}
	return framework{}, false
}

func orUnknown(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "unknown"
}
