package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Bucket counts: few enough that a cold build does not start many more installs than the
// sequential layout, enough that one added package reinstalls a small share of the rest. The
// image gets two layers per bucket (the diff and its directory): at most 2 × (16 + 8 + 8), far
// under overlayfs' limits.
const (
	// SmallBuckets is the most buckets that share the packages that are not large, by name,
	// in each of two tiers (the earlier sources' packages, the last source's); fewer packages
	// get fewer (see smallBuckets).
	SmallBuckets = 8
	// MaxLargeBuckets caps the buckets of large packages; the smallest of the rest go to the
	// shared buckets.
	MaxLargeBuckets = 16
)

// largePackages have wheels of tens of MB to GB: each gets its own bucket, so that no other
// change reinstalls it. Ordered by typical size, largest first; names are normalised.
var largePackages = []string{
	"torch", "tensorflow", "tensorflow-cpu", "jaxlib", "triton", "xformers", "vllm", "flash-attn",
	"paddlepaddle", "mxnet", "onnxruntime-gpu", "cupy-cuda12x", "cupy-cuda13x", "ray", "pyarrow",
	"torchvision", "torchaudio", "opencv-python", "opencv-python-headless", "opencv-contrib-python",
	"scipy", "xgboost", "lightgbm", "catboost", "polars", "onnxruntime", "llvmlite", "pandas",
	"numpy", "scikit-learn", "bitsandbytes", "duckdb", "grpcio", "numba", "mlflow", "transformers",
	"matplotlib", "spacy", "plotly", "botocore", "statsmodels", "sympy", "kubernetes", "sqlalchemy",
	"zenml",
}

// sameFilesAs names packages that ship many of a large package's files (the same bytes):
// they go into its bucket, so the image carries the files once, as one install writes them,
// not once per bucket (mlflow, mlflow-skinny and mlflow-tracing share 1326 files, 3.8 MB
// compressed). They change with it: the three pin the same version.
var sameFilesAs = map[string]string{
	"mlflow-skinny":  "mlflow",
	"mlflow-tracing": "mlflow",
}

// nvidiaBucket holds every nvidia-* package (NVIDIA's CUDA wheels: cuBLAS, cuDNN, NCCL, ...):
// torch pins them all exactly, so they change together, and one bucket instead of a dozen
// saves a container start and a merge each.
const nvidiaBucket = "nvidia"

// largeBucket is the bucket a large package gets: its own, or the NVIDIA one.
func largeBucket(name string) string {
	if strings.HasPrefix(name, "nvidia-") {
		return nvidiaBucket
	}
	return name
}

// largeRank orders large packages, largest first; NVIDIA's CUDA wheels come right after torch.
func largeRank(name string) (int, bool) {
	if i := slices.Index(largePackages, name); i >= 0 {
		return 2 * i, true
	}
	if strings.HasPrefix(name, "nvidia-") {
		return 1, true
	}
	return 0, false
}

// Resolution is what the resolve exec found: the distributions installed before and after the
// sequential installs, and the option lines of the requirement files.
type Resolution struct {
	Before []Distribution `json:"before"`
	// Earlier is the environment after every source but the last, when there are several.
	Earlier []Distribution `json:"earlier,omitempty"`
	After   []Distribution `json:"after"`
	Options []OptionLine   `json:"options"`
}

// Distribution is one installed distribution.
type Distribution struct {
	Name    string
	Version string
	// DirectURL is its direct_url.json: set for an install from a URL, a path or a VCS.
	DirectURL string
}

// pin is the distribution as a requirement: its normalised name == its version.
func (d Distribution) pin() string { return normalizeName(d.Name) + "==" + d.Version }

// UnmarshalJSON reads the resolve script's [name, version, direct_url] triples.
func (d *Distribution) UnmarshalJSON(data []byte) error {
	var fields [3]string
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	d.Name, d.Version, d.DirectURL = fields[0], fields[1], fields[2]
	return nil
}

// OptionLine is an option line of a requirement file (e.g. --extra-index-url URL).
type OptionLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// ParseResolution reads the resolve exec's output.
func ParseResolution(data string) (*Resolution, error) {
	var res Resolution
	if err := json.Unmarshal([]byte(data), &res); err != nil {
		return nil, fmt.Errorf("reading the resolve's output: %w", err)
	}
	return &res, nil
}

// Bucket is one install of the layered layout: pinned packages, installed without their
// dependencies (the resolve found them all) from the pre-install image.
type Bucket struct {
	Name     string   `json:"name"`
	Packages []string `json:"packages"`
	Exec     Exec     `json:"exec"`
}

// Buckets turns a resolution into the layered installs. When the layered layout cannot give
// the image the sequential installs' packages exactly, it returns the reason instead, and the
// image is built with the plan's sequential layers.
func (p *Plan) Buckets(res *Resolution) ([]Bucket, string) {
	pins, reason := added(res)
	if reason != "" {
		return nil, reason
	}
	flags, reason := optionFlags(res.Options)
	if reason != "" {
		return nil, reason
	}
	var large, small []Distribution
	for _, d := range pins {
		if _, ok := largeRank(normalizeName(d.Name)); ok {
			large = append(large, d)
		} else {
			small = append(small, d)
		}
	}
	slices.SortFunc(large, func(a, b Distribution) int {
		ra, _ := largeRank(normalizeName(a.Name))
		rb, _ := largeRank(normalizeName(b.Name))
		return cmp.Or(ra-rb, strings.Compare(normalizeName(a.Name), normalizeName(b.Name)))
	})
	groups := map[string][]Distribution{}
	for _, d := range large {
		bucket := largeBucket(normalizeName(d.Name))
		if _, ok := groups[bucket]; !ok && len(groups) == MaxLargeBuckets {
			small = append(small, d) // past the cap: the smallest large ones share
			continue
		}
		groups[bucket] = append(groups[bucket], d)
	}
	withLarge, small := partition(small, func(d Distribution) bool { return groups[largeBucket(sameFilesAs[normalizeName(d.Name)])] != nil })
	for _, d := range withLarge {
		bucket := largeBucket(sameFilesAs[normalizeName(d.Name)])
		groups[bucket] = append(groups[bucket], d)
	}
	// The earlier sources' small packages (zenml's, the integrations') share buckets of their
	// own, so that a change to the last source (the user's requirements) reinstalls a bucket of
	// its own packages, not an eighth of zenml's.
	earlier := map[string]bool{}
	for _, d := range res.Earlier {
		earlier[d.pin()] = true
	}
	fromEarlier, fromLast := partition(small, func(d Distribution) bool { return earlier[d.pin()] })
	for _, tier := range []struct {
		prefix string
		dists  []Distribution
	}{{"earlier-sources", fromEarlier}, {"packages", fromLast}} {
		k := smallBuckets(len(tier.dists))
		for _, d := range tier.dists {
			name := smallBucket(tier.prefix, d.Name, k)
			groups[name] = append(groups[name], d)
		}
	}
	var buckets []Bucket
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		members := groups[name]
		slices.SortFunc(members, func(a, b Distribution) int { return strings.Compare(normalizeName(a.Name), normalizeName(b.Name)) })
		packages := make([]string, len(members))
		for i, d := range members {
			packages[i] = d.pin()
		}
		buckets = append(buckets, Bucket{Name: name, Packages: packages, Exec: p.bucketExec(flags, packages)})
	}
	return buckets, ""
}

// bucketExec installs pinned packages without dependencies, with the image's installer flags
// and the requirement files' index options.
func (p *Plan) bucketExec(flags, packages []string) Exec {
	extra := append(slices.Clone(p.Settings.UVRequirementFlags), flags...)
	install := installCommand(p.Settings, append(extra, "--no-deps")...)
	install.Argv = append(install.Argv, packages...)
	install.Mounts = append([]Mount{tempMount}, install.Mounts...)
	return install
}

// added is what the sequential installs added or changed, or the reason the layered layout
// cannot install it by version.
func added(res *Resolution) ([]Distribution, string) {
	before := map[string]bool{}
	for _, d := range res.Before {
		before[d.pin()] = true
	}
	after := map[string]bool{}
	var pins []Distribution
	for _, d := range res.After {
		name := normalizeName(d.Name)
		if name == "" || d.Version == "" {
			return nil, "the installs left a distribution without a name or version, which only the sequential layout reproduces"
		}
		after[name] = true
		if before[d.pin()] {
			continue
		}
		if d.DirectURL != "" {
			return nil, fmt.Sprintf("%s %s is installed from a URL, a path or a VCS, not by version from an index, which only the sequential layout reproduces", d.Name, d.Version)
		}
		if slices.ContainsFunc(pins, func(p Distribution) bool { return normalizeName(p.Name) == name }) {
			return nil, fmt.Sprintf("the installs leave two versions of %s, which only the sequential layout reproduces", d.Name)
		}
		pins = append(pins, d)
	}
	for _, d := range res.Before {
		if !after[normalizeName(d.Name)] {
			return nil, fmt.Sprintf("the installs remove %s %s, which only the sequential layout reproduces", d.Name, d.Version)
		}
	}
	return pins, ""
}

// optionFlags turns the requirement files' index options into uv flags for the bucket installs,
// or gives the reason another option keeps the image sequential.
func optionFlags(options []OptionLine) ([]string, string) {
	var flags []string
	seen := map[string]bool{}
	addFlag := func(flag ...string) {
		if key := strings.Join(flag, " "); !seen[key] {
			seen[key] = true
			flags = append(flags, flag...)
		}
	}
	for _, opt := range options {
		fields := strings.Fields(opt.Text)
		name, value, hasValue := strings.Cut(fields[0], "=")
		if !hasValue && len(fields) > 1 {
			value, hasValue = fields[1], true
		}
		switch {
		case (name == "-i" || name == "--index-url") && hasValue:
			addFlag("--index-url", value)
		case name == "--extra-index-url" && hasValue:
			addFlag("--extra-index-url", value)
		case (name == "-f" || name == "--find-links") && hasValue:
			addFlag("--find-links", value)
		case name == "--trusted-host" && hasValue:
			addFlag("--allow-insecure-host=" + value)
		case name == "--no-index" && !hasValue:
			addFlag("--no-index")
		case name == "--pre" && !hasValue:
			addFlag("--prerelease=allow")
		default:
			return nil, fmt.Sprintf("%s line %d: %q is an option the layered layout cannot carry to its per-package installs", opt.File, opt.Line, opt.Text)
		}
	}
	return flags, ""
}

// smallBuckets is how many shared buckets n small packages get: each exec costs a container
// start, so a handful of small packages share one, and a large set (zenml's ~80) is split so
// that adding one reinstalls an eighth of it. The tiers are wide, so the count rarely moves.
func smallBuckets(n int) int {
	switch {
	case n <= 16:
		return 1
	case n <= 64:
		return 4
	}
	return SmallBuckets
}

// smallBucket is the shared bucket (of k) a package goes to: stable for a name, so that adding
// a package changes one bucket.
func smallBucket(prefix, name string, k int) string {
	h := fnv.New32a()
	h.Write([]byte(normalizeName(name)))
	return fmt.Sprintf("%s-%d-of-%d", prefix, h.Sum32()%uint32(k)+1, k)
}

// partition splits dists by keep, each part in the order of dists.
func partition(dists []Distribution, keep func(Distribution) bool) (kept, rest []Distribution) {
	for _, d := range dists {
		if keep(d) {
			kept = append(kept, d)
		} else {
			rest = append(rest, d)
		}
	}
	return kept, rest
}

var nameSeparators = regexp.MustCompile(`[-_.]+`)

// normalizeName is PEP 503's normal form of a distribution name.
func normalizeName(name string) string {
	return strings.ToLower(nameSeparators.ReplaceAllString(name, "-"))
}
