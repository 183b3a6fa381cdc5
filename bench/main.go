// Command bench measures building an example image several ways on the same engine: through
// stepimage's `build` in the layered layout (the default) and in the sequential one, and by
// building the Dockerfile that stepimage renders for the same settings with Dagger's
// DockerBuild (the best-practice Dockerfile: the same execs with BuildKit cache mounts). Each
// scenario runs several times; the tables report medians.
//
// Times are the engine's own duration of the module function (from `dagger --progress=plain`),
// and the wall time of the whole call. Function results are cached by the engine, so a no-op
// rebuild is a cache hit for every path.
//
// Usage: go run ./bench [-runs 3] [-example examples/sklearn] [-paths layered,sequential,dockerfile]
// [-sizes=false] [-warm-only] [-out FILE] (hack/bench.sh provisions the engine first).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type path struct {
	key      string   // its name for -paths
	name     string   // column title
	module   []string // the module's constructor flags
	function string   // module function
	span     string   // the function's span name in the engine's progress output
}

// The paths, stepimage's default first; the last is the reference the ratios compare with.
var paths = []path{
	{"layered", "build, layered", nil, "build", "Stepimage.build"},
	{"sequential", "build, sequential", []string{"--layout=sequential"}, "build", "Stepimage.build"},
	{"dockerfile", "Dockerfile (DockerBuild)", nil, "build-dockerfile", "Stepimage.buildDockerfile"},
}

// scenario changes the example's files before a run; cold runs start from an empty cache.
type scenario struct {
	name    string
	cold    bool
	prepare func(dir string, run int) error
}

// New requirements for the "one requirement added" runs: small, distinct, not in the example.
var addedRequirements = []string{"six==1.16.0", "idna==3.7", "packaging==24.1", "attrs==23.2.0", "tomli==2.0.1", "iniconfig==2.0.0"}

var scenarios = []scenario{
	{name: "cold (empty cache)", cold: true, prepare: func(string, int) error { return nil }},
	{name: "no-op rebuild", prepare: func(string, int) error { return nil }},
	{name: "code-only change", prepare: func(dir string, run int) error {
		return appendLine(filepath.Join(dir, "pipeline", "train.py"), fmt.Sprintf("# bench edit %d-%d", run, time.Now().UnixNano()))
	}},
	{name: "one requirement added", prepare: func(dir string, run int) error {
		return appendLine(filepath.Join(dir, "requirements.txt"), addedRequirements[run%len(addedRequirements)])
	}},
	{name: "one version bumped", prepare: func(dir string, run int) error {
		// A pin of a dependency, moved between two releases.
		version := []string{"1.5.1", "1.4.2"}[run%2]
		file := filepath.Join(dir, "requirements.txt")
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if !bytes.Contains(data, []byte("joblib==")) {
			return appendLine(file, "joblib=="+version)
		}
		return replaceInFile(file, regexp.MustCompile(`joblib==[0-9.]+\n`), "joblib=="+version+"\n")
	}},
	{name: "runtime variable changed", prepare: func(dir string, run int) error {
		return replaceInFile(filepath.Join(dir, "settings.yaml"), regexp.MustCompile(`MODEL_NAME: iris-classifier(-bench-\d+)?\n`),
			fmt.Sprintf("MODEL_NAME: iris-classifier-bench-%d\n", time.Now().UnixNano()))
	}},
}

func main() {
	runs := flag.Int("runs", 3, "repetitions of each scenario")
	example := flag.String("example", "examples/sklearn", "example directory (its pipeline-level image is built)")
	parent := flag.String("parent", "python:3.11-slim", "the example's parent image, pulled before cold runs")
	out := flag.String("out", "", "also write the markdown report to this file")
	only := flag.String("paths", "", "comma-separated path names to run (default all): layered, sequential, dockerfile")
	sizes := flag.Bool("sizes", true, "export each path's image to report its size and layers (minutes for GB images)")
	warmOnly := flag.Bool("warm-only", false, "skip the cold scenario (the images must be built already)")
	flag.Parse()
	if *warmOnly {
		scenarios = slices.DeleteFunc(scenarios, func(sc scenario) bool { return sc.cold })
	}
	if *only != "" {
		paths = slices.DeleteFunc(paths, func(p path) bool { return !slices.Contains(strings.Split(*only, ","), p.key) })
	}
	root, err := filepath.Abs(".")
	check(err)

	work, err := os.MkdirTemp("", "stepimage-bench-")
	check(err)
	defer os.RemoveAll(work)
	check(copyDir(filepath.Join(root, *example), work))

	results := map[string]map[string][]time.Duration{}
	walls := map[string]map[string][]time.Duration{}
	disk := map[string]int64{}
	for run := 0; run < *runs; run++ {
		for _, sc := range scenarios {
			check(sc.prepare(work, run))
			for i, p := range paths {
				if sc.cold {
					// A reset before each path: the paths share execs (apt) and cache volumes, so
					// the second would find the first's. After the last, the earlier paths rebuild
					// (untimed), so that the next scenario finds all of them cached. The module and
					// the parent image are loaded before timing: cold means every layer of the
					// image itself is built.
					prune()
					warm(root, work, *parent)
				}
				before := engineDisk()
				d, wall := measure(root, work, p)
				if sc.cold {
					disk[p.name] = engineDisk() - before
					for _, earlier := range paths[:i] {
						measure(root, work, earlier) // untimed: rebuilt for the next scenarios
					}
				}
				log.Printf("run %d, %-26s %-26s %6.1fs (wall %.1fs)", run+1, sc.name, p.name, d.Seconds(), wall.Seconds())
				if results[sc.name] == nil {
					results[sc.name], walls[sc.name] = map[string][]time.Duration{}, map[string][]time.Duration{}
				}
				results[sc.name][p.name] = append(results[sc.name][p.name], d)
				walls[sc.name][p.name] = append(walls[sc.name][p.name], wall)
			}
		}
	}

	var report bytes.Buffer
	fmt.Fprintf(&report, "Measured %s on %s (%d cores), Dagger engine v0.19.7, %d run(s) per scenario, median seconds of the module function; example: %s (pipeline-level image). Cold runs start from an empty engine cache, with the module loaded, the parent image (%s) pulled and the engine's network pool warm.\n\n",
		time.Now().UTC().Format("2006-01-02"), machine(), runtime.NumCPU(), *runs, *example, *parent)
	timesTable(&report, results)
	fmt.Fprintf(&report, "\nWall time of the whole `dagger call` as a user sees it (CLI start, module load, the function), medians:\n\n")
	timesTable(&report, walls)
	fmt.Fprintf(&report, "\n| image | size (compressed layers) | layers | engine disk added by its cold build |\n|---|---:|---:|---:|\n")
	for _, p := range paths {
		if !*sizes {
			fmt.Fprintf(&report, "| %s | not measured | | %.1f MB |\n", p.name, float64(disk[p.name])/1e6)
			continue
		}
		size, layers := imageSize(root, work, p)
		fmt.Fprintf(&report, "| %s | %.1f MB | %d | %.1f MB |\n", p.name, float64(size)/1e6, layers, float64(disk[p.name])/1e6)
	}
	// The check the issue states: the same installed distributions, whichever path built them.
	sets := map[string][]string{}
	for _, p := range paths {
		sets[p.name] = packageSet(root, work, p)
	}
	same := true
	for _, p := range paths[1:] {
		if !slices.Equal(sets[p.name], sets[paths[0].name]) {
			same = false
			fmt.Fprintf(&report, "\n**Installed distributions differ** between %s and %s:\n\n%s\n", paths[0].name, p.name, setDiff(sets[paths[0].name], sets[p.name]))
		}
	}
	if same {
		fmt.Fprintf(&report, "\nInstalled distributions after the last scenario: the same %d in every path's image.\n", len(sets[paths[0].name]))
	}
	fmt.Fprintf(&report, "\nAll runs (seconds, the function's span):\n\n")
	for _, sc := range scenarios {
		for _, p := range paths {
			fmt.Fprintf(&report, "- %s, %s: %s\n", sc.name, p.name, seconds(results[sc.name][p.name]))
		}
	}
	os.Stdout.Write(report.Bytes())
	if *out != "" {
		check(os.WriteFile(*out, report.Bytes(), 0o644))
	}
	if !same {
		log.Fatal("the paths installed different distributions (see the report)")
	}
}

// listDistributions prints the image's distributions as normalised name==version, sorted. It
// is one CSV item of --args (the CLI's list syntax), so it has no double quotes inside.
const listDistributions = `"import importlib.metadata as m, re; print('\n'.join(sorted({re.sub(r'[-_.]+', '-', d.metadata['Name'] or '').lower() + '==' + d.version for d in m.distributions()})))"`

// packageSet lists the distributions installed in the path's image.
func packageSet(root, dir string, p path) []string {
	args := append(append([]string{"call", "-m", root}, p.module...), p.function, "--config=settings.yaml", "--source=.",
		"with-exec", "--args=python3,-c,"+listDistributions, "stdout")
	cmd := exec.Command("dagger", args...)
	cmd.Dir = dir
	var stdout, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &logs
	if err := cmd.Run(); err != nil {
		log.Fatalf("listing the distributions of %s: %v\n%s", p.name, err, tail(ansi.ReplaceAllString(logs.String(), ""), 40))
	}
	return strings.Fields(stdout.String())
}

// setDiff lists what only one of two sorted sets has.
func setDiff(a, b []string) string {
	var lines []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			lines = append(lines, "- only in the first: "+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			lines = append(lines, "- only in the second: "+x)
		}
	}
	return strings.Join(lines, "\n")
}

// timesTable writes the median of each scenario and path, and the last path's time over the
// first's (the reference over the default).
func timesTable(report *bytes.Buffer, times map[string]map[string][]time.Duration) {
	reference := paths[len(paths)-1]
	fmt.Fprintf(report, "| scenario |")
	for _, p := range paths {
		fmt.Fprintf(report, " %s |", p.name)
	}
	fmt.Fprintf(report, " %s / %s |\n|---|%s---:|\n", reference.key, paths[0].key, strings.Repeat("---:|", len(paths)))
	for _, sc := range scenarios {
		fmt.Fprintf(report, "| %s |", sc.name)
		for _, p := range paths {
			fmt.Fprintf(report, " %.1f |", median(times[sc.name][p.name]).Seconds())
		}
		a, ref := median(times[sc.name][paths[0].name]), median(times[sc.name][reference.name])
		fmt.Fprintf(report, " %.1f× |\n", ref.Seconds()/max(a.Seconds(), 0.05))
	}
}

var spanDone = map[string]*regexp.Regexp{}

// measure runs one path and returns the engine's duration of the module function, and the
// wall time of the whole call.
func measure(root, dir string, p path) (time.Duration, time.Duration) {
	started := time.Now()
	args := append(append([]string{"call", "-m", root}, p.module...), p.function, "--config=settings.yaml", "--source=.", "sync")
	logText := dagger(dir, args...)
	wall := time.Since(started)
	re, ok := spanDone[p.span]
	if !ok {
		re = regexp.MustCompile(regexp.QuoteMeta(p.span) + ` (?:DONE|CACHED) \[([0-9hms.]+)\]`)
		spanDone[p.span] = re
	}
	match := re.FindStringSubmatch(logText)
	if match == nil {
		log.Fatalf("no %q span in the engine output:\n%s", p.span, tail(logText, 30))
	}
	d, err := time.ParseDuration(match[1])
	check(err)
	return d, wall
}

// engineDisk is the engine's local cache size in bytes, as the engine reports it.
func engineDisk() int64 {
	cmd := exec.Command("dagger", "core", "engine", "local-cache", "entry-set", "disk-space-bytes")
	out, err := cmd.Output()
	check(err)
	f, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	check(err)
	return int64(f)
}

// imageSize exports the path's final image and sums its compressed layers.
func imageSize(root, dir string, p path) (int64, int) {
	file := filepath.Join(dir, "bench-image.tar")
	defer os.Remove(file)
	args := append(append([]string{"call", "-m", root}, p.module...), p.function, "--config=settings.yaml", "--source=.", "export", "--path="+file)
	dagger(dir, args...)
	img, err := tarball.ImageFromPath(file, nil)
	check(err)
	layers, err := img.Layers()
	check(err)
	var total int64
	for _, layer := range layers {
		total += size(layer)
	}
	return total, len(layers)
}

func size(layer v1.Layer) int64 {
	n, err := layer.Size()
	check(err)
	return n
}

// prune empties the engine's cache. A prune leaves entries the engine still holds (the function
// cache, cache volumes in use), so an offline engine of hack/engine.sh (STEPIMAGE_ENGINE names
// it, empty for the default) is restarted on an empty state instead when the runner host is the
// one `hack/engine.sh env` prints for it; other engines get the prune.
func prune() {
	var name []string
	if n := os.Getenv("STEPIMAGE_ENGINE"); n != "" {
		name = []string{"--name=" + n}
	}
	env, _ := exec.Command("hack/engine.sh", append([]string{"env"}, name...)...).Output()
	if host := os.Getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST"); host != "" && strings.Contains(string(env), "export _EXPERIMENTAL_DAGGER_RUNNER_HOST="+host+"\n") {
		cmd := exec.Command("hack/engine.sh", append([]string{"reset"}, name...)...)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		check(cmd.Run())
		return
	}
	dagger(".", "core", "engine", "local-cache", "prune")
}

// warm loads (and after a reset, compiles) the module with a call that builds nothing, pulls
// the parent image both paths start from, and runs one exec in it: a freshly started engine
// makes its first execs wait for its pool of container networks (about 5 s here), which would
// otherwise fall on whichever path runs first.
func warm(root, dir, parent string) {
	dagger(dir, "call", "-m", root, "validate", "--config=settings.yaml")
	dagger(dir, "core", "container", "from", "--address="+parent, "with-exec", "--args=true", "sync")
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// dagger runs the CLI with plain progress and returns its log (ANSI codes removed).
func dagger(dir string, args ...string) string {
	cmd := exec.Command("dagger", append([]string{"--progress=plain"}, args...)...)
	cmd.Dir = dir
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Run(); err != nil {
		log.Fatalf("dagger %s: %v\n%s", strings.Join(args, " "), err, tail(ansi.ReplaceAllString(logs.String(), ""), 40))
	}
	return ansi.ReplaceAllString(logs.String(), "")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := append([]time.Duration{}, ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	if len(sorted)%2 == 1 {
		return sorted[len(sorted)/2]
	}
	return (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
}

func seconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.1f", d.Seconds())
	}
	return strings.Join(parts, ", ")
}

func machine() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(data); m != nil {
			return strings.TrimSpace(string(m[1]))
		}
	}
	return runtime.GOARCH
}

func appendLine(file, line string) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, line)
	return err
}

func replaceInFile(file string, re *regexp.Regexp, replacement string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !re.Match(data) {
		return fmt.Errorf("%s: nothing matches %s", file, re)
	}
	return os.WriteFile(file, re.ReplaceAll(data, []byte(replacement)), 0o644)
}

func copyDir(from, to string) error {
	return filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode())
	})
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
