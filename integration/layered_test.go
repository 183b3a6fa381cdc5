//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// packagesProbe prints the installed distributions (normalised name==version, sorted) and
// pip check's verdict: a broken requirement fails the exec.
const packagesProbe = `python3 -c 'import importlib.metadata as m, re
print("\n".join(sorted({re.sub(r"[-_.]+", "-", (d.metadata["Name"] or "")).lower() + "==" + d.version for d in m.distributions()})))'
python3 -m pip check`

// layeredSettings exercises what could make per-package installs differ from installing each
// source in turn: a later source overriding an earlier pin, upgrades of packages the parent
// has, an sdist that must be built, a console script, two packages sharing the google/
// namespace directory; and, in step url, a requirement from a URL, which only the sequential
// layout reproduces.
func layeredSettings(fresh string) string {
	return fmt.Sprintf(`settings:
  docker:
    dockerfile: Dockerfile
    install_stack_requirements: true
    environment: {FRESH: "%s"}
    requirements:
      - python-dateutil==2.9.0.post0
      - tabulate==0.10.0
      - docopt==0.6.2
      - protobuf
      - googleapis-common-protos
steps:
  url:
    settings:
      docker:
        requirements:
          - six @ https://files.pythonhosted.org/packages/b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afcd5e30dfa0ed46c2cc5e/six-1.17.0-py2.py3-none-any.whl
`, fresh)
}

// TestLayeredInstallsWhatSequentialInstalls builds the same settings in both layouts and
// compares the installed distributions, from inside the images.
func TestLayeredInstallsWhatSequentialInstalls(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{
		// The parent already has older tabulate and six.
		"Dockerfile":    "FROM python:3.11-slim\nRUN pip install --no-cache-dir tabulate==0.9.0 six==1.16.0\n",
		"settings.yaml": layeredSettings(fmt.Sprint(time.Now().UnixNano())),
	})
	// The stack pins an older python-dateutil; the requirements, installed later, win.
	stack := "--stack-requirements=python-dateutil==2.8.2"
	build := func(layout, step string) []string {
		return []string{"--layout=" + layout, "build", "--config=settings.yaml", "--source=.", "--step=" + step, stack}
	}

	plan := mustCall(t, dir, "plan", "--config=settings.yaml").stdout
	if !strings.Contains(plan, "layout: layered") || !strings.Contains(plan, "then per bucket:") {
		t.Errorf("plan does not show the layered layout by default:\n%s", plan)
	}

	layered := run(t, dir, build("layered", ""), "sh", "-c", packagesProbe)
	sequential := run(t, dir, build("sequential", ""), "sh", "-c", packagesProbe)
	if layered != sequential {
		t.Fatalf("the layouts installed different packages:\nlayered:\n%s\nsequential:\n%s", layered, sequential)
	}
	for _, want := range []string{"python-dateutil==2.9.0.post0", "tabulate==0.10.0", "six==1.16.0", "docopt==0.6.2", "googleapis-common-protos==", "protobuf=="} {
		if !strings.Contains(layered, want) {
			t.Errorf("the images lack %s:\n%s", want, layered)
		}
	}
	if strings.Contains(layered, "tabulate==0.9.0") {
		t.Errorf("the parent's tabulate 0.9.0 is still installed beside 0.10.0:\n%s", layered)
	}
	// The console script is the new version's; both halves of google/ import; the sdist's
	// module imports; exactly one tabulate dist-info is left.
	probe := `tabulate -h >/dev/null && python3 -c 'import tabulate; print(tabulate.__version__)'
python3 -c 'import google.protobuf, google.api.http_pb2, docopt, dateutil; print("imports ok")'
ls -d /usr/local/lib/python3*/*-packages/tabulate-*.dist-info | wc -l`
	for _, layout := range []string{"layered", "sequential"} {
		if got := run(t, dir, build(layout, ""), "sh", "-c", probe); got != "0.10.0\nimports ok\n1" {
			t.Errorf("%s image: got %q, want tabulate 0.10.0, the imports and one dist-info", layout, got)
		}
	}

	// A URL requirement: the build says why it installs in sequence, and agrees with sequential.
	r := mustCall(t, dir, append(build("layered", "url"), "with-exec", "--args=sh,-c,"+csvQuote(packagesProbe), "stdout")...)
	if !strings.Contains(r.log, "installing the requirements in sequence (sequential layout), because six 1.17.0 is installed from a URL") {
		t.Errorf("the url step's build does not say why it fell back:\n%s", tail(r.log, 40))
	}
	// Its resolve read uv's dry run of the requirements (uv's text is in the log), not an install.
	if !strings.Contains(r.log, "Would install") || strings.Contains(r.log, "uv's dry run could not be read") {
		t.Errorf("the url step's resolve did not read uv's dry run:\n%s", tail(r.log, 40))
	}
	if want := run(t, dir, build("sequential", "url"), "sh", "-c", packagesProbe); strings.TrimSpace(r.stdout) != want {
		t.Errorf("url step: fallback installed\n%s\nsequential installed\n%s", r.stdout, want)
	}
}

// csvQuote quotes one list item for the CLI's CSV lists.
func csvQuote(item string) string { return `"` + strings.ReplaceAll(item, `"`, `""`) + `"` }

// TestLayeredStepsShareLayersInTheRegistry publishes two step images that share most packages
// and checks that they share those layers by digest, so the second push uploads only its own.
func TestLayeredStepsShareLayersInTheRegistry(t *testing.T) {
	t.Parallel()
	settings := fmt.Sprintf(`settings:
  docker:
    parent_image: python:3.11-slim
    environment: {FRESH: "%d"}
    requirements: [numpy==2.4.6, scipy==1.17.1, tabulate==0.10.0]
steps:
  other:
    settings:
      docker:
        requirements: [numpy==2.4.6, scipy==1.17.1, six==1.17.0]
`, time.Now().UnixNano())
	namespace := registry + "/it/" + uniqueName(t)
	shared := map[string]float64{}
	for _, layout := range []string{"layered", "sequential"} {
		dir := project(t, map[string]string{"settings.yaml": settings})
		out := mustCall(t, dir, "--layout="+layout, "publish-all", "--config=settings.yaml", "--source=.", "--registry="+namespace+"/"+layout).stdout
		var refs []string
		for _, line := range slices.DeleteFunc(strings.Split(strings.TrimSpace(out), "\n"), func(l string) bool { return strings.HasPrefix(l, "warning: ") }) {
			if _, rest, ok := strings.Cut(line, " -> "); ok {
				refs = append(refs, strings.Fields(rest)[0])
			}
		}
		if len(refs) != 2 {
			t.Fatalf("%s: publish-all printed %d image references, want 2:\n%s", layout, len(refs), out)
		}
		sizes := map[v1.Hash]int64{}
		for _, l := range layerSizes(t, refs[0]) {
			sizes[l.digest] = l.size
		}
		second := layerSizes(t, refs[1])
		var sharedBytes, ownBytes int64
		for _, l := range second {
			if _, ok := sizes[l.digest]; ok {
				sharedBytes += l.size
			} else {
				ownBytes += l.size
			}
		}
		shared[layout] = float64(sharedBytes) / float64(sharedBytes+ownBytes)
		t.Logf("%s: second image %d layers, %.1f MB shared with the first, %.1f kB its own (what its push uploads)",
			layout, len(second), float64(sharedBytes)/1e6, float64(ownBytes)/1e3)
		if layout == "layered" && ownBytes > 5e6 {
			t.Errorf("layered: the second image's own layers weigh %.1f MB; numpy and scipy (tens of MB) should be shared", float64(ownBytes)/1e6)
		}
	}
	if shared["layered"] <= shared["sequential"] {
		t.Errorf("layered images share %.0f%% of the second image's bytes, sequential %.0f%%: layered should share more", 100*shared["layered"], 100*shared["sequential"])
	}
}

type layerSize struct {
	digest v1.Hash
	size   int64
}

// layerSizes lists a published image's layers (compressed digest and size), from its manifest.
func layerSizes(t *testing.T, ref string) []layerSize {
	t.Helper()
	img, err := remote.Image(mustRef(t, ref))
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		t.Fatalf("reading the manifest of %s: %v", ref, err)
	}
	var out []layerSize
	for _, l := range manifest.Layers {
		out = append(out, layerSize{l.Digest, l.Size})
	}
	return out
}

// TestExecsWithoutSbinLeaveTheImageAsItWas: installs, the resolve, the buckets and ZenML's
// chmod run with the sbin directories off PATH (so that an engine trusting custom CAs skips
// update-ca-certificates around them). The image keeps its parent's PATH, and its CA bundle is
// the parent's byte for byte: the engine's certificate, appended for those execs, is gone.
// A parent without a bundle, which apt gives one, keeps the engine's usual path, and the
// engine's certificates are not in that image either. A uv wrapper first on the parents' PATH
// records the PATH each uv exec ran with, in the image.
func TestExecsWithoutSbinLeaveTheImageAsItWas(t *testing.T) {
	t.Parallel()
	engineCAs := hostCustomCAs(t)
	// The wrapper appends its PATH to a file, then runs the uv that pip installs.
	wrapper := `ENV PATH=/opt/tools/bin:$PATH
RUN mkdir -p /opt/tools/bin && printf '#!/bin/sh\necho "$PATH" >> /opt/tools/seen-path\nPATH=${PATH#/opt/tools/bin:} exec uv "$@"\n' > /opt/tools/bin/uv && chmod +x /opt/tools/bin/uv
`
	dir := project(t, map[string]string{
		"Dockerfile":          "FROM python:3.11-slim\n" + wrapper,
		"nobundle.Dockerfile": "FROM python:3.11-slim\nRUN dpkg --purge --force-depends ca-certificates && rm -rf /etc/ssl/certs\n" + wrapper,
		"settings.yaml": fmt.Sprintf(`settings:
  docker:
    dockerfile: Dockerfile
    environment: {FRESH: "%d"}
    requirements: [tabulate==0.9.0]
steps:
  nobundle:
    settings:
      docker:
        dockerfile: nobundle.Dockerfile
        apt_packages: [ca-certificates]
`, time.Now().UnixNano()),
	})
	wantPath := "/opt/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	withoutSbin := "/opt/tools/bin:/usr/local/bin:/usr/bin:/bin"
	bundle := "/etc/ssl/certs/ca-certificates.crt"
	parent := cli(t, dir, nil, "core", "container", "from", "--address=python:3.11-slim", "file", "--path="+bundle, "contents")
	if parent.err != nil {
		t.Fatalf("reading the parent's CA bundle: %v\n%s", parent.err, tail(parent.log, 20))
	}
	for _, tc := range []struct{ layout, step string }{{"layered", ""}, {"sequential", ""}, {"layered", "nobundle"}} {
		build := []string{"--layout=" + tc.layout, "build", "--config=settings.yaml", "--source=.", "--step=" + tc.step}
		name := tc.layout + " image"
		if tc.step != "" {
			name += " of step " + tc.step
		}
		got := mustCall(t, dir, append(build, "file", "--path="+bundle, "contents")...).stdout
		for file, cert := range engineCAs {
			if strings.Contains(got, cert) {
				t.Errorf("%s: the engine's CA certificate %s is in the image's bundle", name, file)
			}
		}
		if got := run(t, dir, build, "python3", "-c", "import tabulate; print(tabulate.__version__)"); got != "0.9.0" {
			t.Errorf("%s: tabulate version %q, want 0.9.0", name, got)
		}
		// What the installs ran with: without sbin, except where no bundle could be mounted.
		want := withoutSbin
		if tc.step == "nobundle" {
			want = wantPath
		}
		seen := strings.Fields(mustCall(t, dir, append(build, "file", "--path=/opt/tools/seen-path", "contents")...).stdout)
		if len(seen) == 0 || slices.ContainsFunc(seen, func(p string) bool { return p != want }) {
			t.Errorf("%s: the uv execs ran with PATH %q, want each %q", name, seen, want)
		}
		if tc.step != "" {
			continue
		}
		if got != parent.stdout {
			t.Errorf("%s: the CA bundle (%d bytes) differs from the parent's (%d bytes)", name, len(got), len(parent.stdout))
		}
		if got := strings.TrimSpace(mustCall(t, dir, append(build, "env-variable", "--name=PATH")...).stdout); got != wantPath {
			t.Errorf("%s: PATH = %q, want the parent's %q", name, got, wantPath)
		}
	}
}

// hostCustomCAs reads the certificates this machine's engine adds to every container (it
// copies the host's /usr/local/share/ca-certificates), by file: the base64 body of each.
func hostCustomCAs(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("/usr/local/share/ca-certificates/*.crt")
	certs := map[string]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 2 {
			// One line from the middle of the body is distinctive and survives reformatting.
			certs[file] = strings.TrimSpace(lines[len(lines)/2])
		}
	}
	if len(certs) == 0 {
		t.Log("the engine adds no custom CA certificates here: only the parent comparison can fail")
	}
	return certs
}
