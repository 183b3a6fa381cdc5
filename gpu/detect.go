package gpu

import (
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// This file extracts CUDA facts from the inputs: the parent image reference,
// requirement specifiers, and installed packages. Each function answers one
// narrow question so the rules in check.go read as policy, not parsing.

var (
	// nvidia/cuda:12.1.1-runtime-ubuntu22.04, nvcr.io/nvidia/cuda:12.4.1-base-ubi8
	cudaRepoTag = regexp.MustCompile(`^(\d+\.\d+(?:\.\d+)?)(?:[-_]|$)`)
	// pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime, ...-cuda12.1.1-..., ...-cuda-12.1-...
	cudaInTag = regexp.MustCompile(`(?i)(?:^|[-_.])cuda-?(\d+\.\d+(?:\.\d+)?)(?:[-_]|$)`)
	// ...-cu121-... (a compact tag some image families use)
	cuInTag = regexp.MustCompile(`(?i)(?:^|[-_.])cu(\d{3,4})(?:[-_.]|$)`)
	// tensorflow/tensorflow:2.15.0-gpu: CUDA inside, version not in the tag
	gpuInTag = regexp.MustCompile(`(?i)(?:^|[-_.])gpu(?:[-_.]|$)`)
)

// imageCUDAFromRef reads the CUDA version from a parent image reference.
// version is "" when the tag does not carry one; present is true when the image
// is known to contain CUDA even though the version is not in the tag.
func imageCUDAFromRef(ref string) (version string, present bool) {
	repo, tag := splitImageRef(ref)
	if tag == "" {
		return "", false
	}
	base := repo
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	if base == "cuda" {
		if m := cudaRepoTag.FindStringSubmatch(tag); m != nil {
			return m[1], true
		}
	}
	if m := cudaInTag.FindStringSubmatch(tag); m != nil {
		return m[1], true
	}
	if m := cuInTag.FindStringSubmatch(tag); m != nil {
		return cuTagVersion(m[1]), true
	}
	if gpuInTag.MatchString(tag) {
		return "", true
	}
	// NGC framework images (nvcr.io/nvidia/pytorch:24.01-py3) always ship CUDA
	// but tag by release month.
	if strings.HasPrefix(repo, "nvcr.io/nvidia/") && base != "cuda" {
		return "", true
	}
	return "", false
}

// splitImageRef splits "host:5000/a/b:tag@sha256:..." into repository (with its registry, as
// written) and tag ("" when none is written), with go-containerregistry's grammar. The tag is
// kept when a digest pins the reference: it still says which CUDA the image was built with.
func splitImageRef(ref string) (repo, tag string) {
	base, _, _ := strings.Cut(strings.TrimSpace(ref), "@")
	parsed, err := name.NewTag(base)
	if err != nil {
		return base, ""
	}
	if !strings.HasSuffix(base, ":"+parsed.TagStr()) {
		return base, ""
	}
	return strings.TrimSuffix(base, ":"+parsed.TagStr()), parsed.TagStr()
}

// cuTagVersion turns a PyTorch-style compute tag into a CUDA version:
// "121" -> "12.1", "118" -> "11.8", "102" -> "10.2", "130" -> "13.0".
func cuTagVersion(digits string) string {
	if len(digits) < 3 {
		return ""
	}
	return digits[:2] + "." + digits[2:]
}

// requirement is a parsed PEP 508 requirement, as far as these checks need it.
type requirement struct {
	Raw     string
	Name    string // normalised
	Extras  []string
	Pinned  string // the version of "==X" or "===X", "" otherwise
	URL     string // for "name @ url"
	Options bool   // an installer option line ("--extra-index-url ...")
}

var reqHead = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$`)

func parseRequirement(s string) (requirement, bool) {
	r := requirement{Raw: s}
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s == "" || strings.HasPrefix(s, "#") {
		return r, false
	}
	if strings.HasPrefix(s, "-") {
		r.Options = true
		return r, true
	}
	if i := strings.IndexByte(s, ';'); i >= 0 { // environment markers
		s = strings.TrimSpace(s[:i])
	}
	m := reqHead.FindStringSubmatch(s)
	if m == nil {
		return r, false
	}
	r.Name = normalizeName(m[1])
	for _, e := range strings.Split(m[2], ",") {
		if e = strings.TrimSpace(e); e != "" {
			r.Extras = append(r.Extras, strings.ToLower(e))
		}
	}
	rest := strings.TrimSpace(m[3])
	if strings.HasPrefix(rest, "@") {
		r.URL = strings.TrimSpace(rest[1:])
		return r, true
	}
	rest = strings.Trim(rest, "()")
	for _, clause := range strings.Split(rest, ",") {
		clause = strings.TrimSpace(clause)
		switch {
		case strings.HasPrefix(clause, "==="):
			r.Pinned = strings.TrimSpace(clause[3:])
		case strings.HasPrefix(clause, "=="):
			r.Pinned = strings.TrimSpace(clause[2:])
		}
	}
	if strings.HasSuffix(r.Pinned, ".*") {
		r.Pinned = ""
	}
	return r, true
}

func (r requirement) hasExtra(e string) bool {
	for _, x := range r.Extras {
		if normalizeName(x) == normalizeName(e) {
			return true
		}
	}
	return false
}

// normalizeName applies PEP 503 normalisation: lower case, runs of -_. become -.
func normalizeName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

var (
	// +cu121, %2Bcu121 (URL-encoded in wheel URLs), +cpu, +rocm6.0
	localTag = regexp.MustCompile(`(?i)(?:\+|%2b)(cu\d{3,4}|cpu|rocm[\d.]*)`)
	// https://download.pytorch.org/whl/cu121 or /whl/cpu as an index or in a wheel URL
	pytorchIndex = regexp.MustCompile(`(?i)download\.pytorch\.org/whl/(?:nightly/)?(cu\d{3,4}|cpu|rocm[\d.]+)\b`)
)

// buildFlavor describes which accelerator a framework build targets.
type buildFlavor struct {
	Kind   string // flavorCUDA, flavorCPU, flavorOther, or "" when unknown
	CUDA   string // for flavorCUDA: "12.1", "12", or "" when the version is unknown
	Other  string // for flavorOther: e.g. "rocm6.0"
	Source string // where this was read, for messages
}

const (
	flavorCUDA  = "cuda"
	flavorCPU   = "cpu"
	flavorOther = "other" // e.g. ROCm: not usable on NVIDIA GPUs
)

// flavorFromTag reads a local version tag or index flavor ("cu121", "cpu", "rocm6.0").
func flavorFromTag(tag, source string) buildFlavor {
	tag = strings.ToLower(tag)
	switch {
	case tag == "cpu":
		return buildFlavor{Kind: flavorCPU, Source: source}
	case strings.HasPrefix(tag, "rocm"):
		return buildFlavor{Kind: flavorOther, Other: tag, Source: source}
	case strings.HasPrefix(tag, "cu"):
		return buildFlavor{Kind: flavorCUDA, CUDA: cuTagVersion(tag[2:]), Source: source}
	}
	return buildFlavor{}
}

// cudaRuntimeWheel recognises the NVIDIA CUDA runtime wheel: nvidia-cuda-runtime-cu12
// (CUDA 11/12) or nvidia-cuda-runtime (CUDA 13 dropped the suffix). major is the
// suffix's major, or -1 when the name carries none.
func cudaRuntimeWheel(name string) (major int, ok bool) {
	name = normalizeName(name)
	switch {
	case name == "nvidia-cuda-runtime":
		return -1, true
	case strings.HasPrefix(name, "nvidia-cuda-runtime-cu"):
		return cudaMajor(strings.TrimPrefix(name, "nvidia-cuda-runtime-cu")), true
	}
	return 0, false
}

// nvidiaWheelMajors returns the CUDA majors provided by nvidia-* wheels among the
// given names (nvidia-cublas-cu12 -> 12), used to tell whether a framework's CUDA
// libraries come from pip.
func nvidiaWheelMajors(names []string) map[int]bool {
	majors := map[int]bool{}
	for _, n := range names {
		n = normalizeName(n)
		if !strings.HasPrefix(n, "nvidia-") {
			continue
		}
		if i := strings.LastIndex(n, "-cu"); i >= 0 {
			if m := cudaMajor(n[i+3:]); m > 0 {
				majors[m] = true
			}
		}
	}
	return majors
}
