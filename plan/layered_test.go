package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dagger/stepimage/settings"
)

func layeredPlan(t *testing.T, r *settings.Resolved, in Inputs) *Plan {
	t.Helper()
	in.Layout = LayoutLayered
	return mustBuild(t, r, in)
}

func TestLayeredIsTheDefaultLayout(t *testing.T) {
	p, err := New(fullResolved(), fullInputs())
	if err != nil {
		t.Fatal(err)
	}
	if p.Layout != LayoutLayered || p.Find(KindPackages) == nil {
		t.Errorf("default layout = %s with layers %v, want layered with a packages layer", p.Layout, kinds(p))
	}
}

func TestLayeredPlanResolvesEverySourceInZenMLOrder(t *testing.T) {
	sequential := mustBuild(t, fullResolved(), fullInputs())
	p := layeredPlan(t, fullResolved(), fullInputs())
	packages := mustFind(t, p, KindPackages)
	var wantSources []Kind
	for _, layer := range sequential.Layers {
		switch layer.Kind {
		case KindZenML, KindLocalEnv, KindStack, KindIntegrations, KindPyproject, KindRequirements:
			wantSources = append(wantSources, layer.Kind)
			wantNoLayer(t, p, layer.Kind)
		}
	}
	var gotSources []Kind
	for _, source := range packages.Sources {
		gotSources = append(gotSources, source.Kind)
	}
	if !slices.Equal(gotSources, wantSources) || len(wantSources) < 4 {
		t.Errorf("sources = %v, want the sequential install layers %v", gotSources, wantSources)
	}
	// Every layer but the installs is the same, in the same place.
	if want := kinds(sequential); !slices.Equal(kinds(&Plan{Layers: p.Sequential()}), want) {
		t.Errorf("Sequential() = %v, want %v", kinds(&Plan{Layers: p.Sequential()}), want)
	}

	// The earlier sources' installs run in one exec, the last source's dry run in the last.
	var resolves []Exec
	var specs []resolveSpec
	for _, exec := range packages.Execs {
		if !slices.Contains(exec.Argv, resolveScriptFile) {
			continue
		}
		if !exec.Scratch || !exec.Network || !exec.WithoutSbin || !slices.Equal(exec.Argv[:2], []string{"python3", resolveScriptFile}) {
			t.Fatalf("resolve exec = %+v, want a scratch exec of python3 %s with the network", exec, resolveScriptFile)
		}
		if !slices.Contains(exec.Mounts, Mount{Kind: MountText, Target: resolveScriptFile, Text: resolveScript}) {
			t.Errorf("the resolve script is not mounted for the resolve: %+v", exec.Mounts)
		}
		var spec resolveSpec
		if err := json.Unmarshal([]byte(exec.Argv[len(exec.Argv)-1]), &spec); err != nil {
			t.Fatalf("the resolve's argument is not its JSON spec: %v", err)
		}
		resolves, specs = append(resolves, exec), append(specs, spec)
	}
	if len(resolves) != 2 || resolves[0].Stdout != earlierFile || resolves[1].Stdout != resolutionFile || packages.Execs[len(packages.Execs)-1].Stdout != resolutionFile {
		t.Fatalf("resolve execs = %+v, want the earlier sources' (writing %s), then the last source's (writing %s), last", resolves, earlierFile, resolutionFile)
	}
	if specs[0].DryRun != nil || specs[0].Earlier != "" || specs[1].Earlier != earlierFile || len(specs[1].Installs) != 1 {
		t.Errorf("specs = %+v, want the earlier sources installed, then the last one's dry run continuing from %s", specs, earlierFile)
	}
	installs := append(slices.Clone(specs[0].Installs), specs[1].Installs...)
	if len(installs) != len(wantSources) {
		t.Fatalf("resolve runs %d installs, want one per source (%d)", len(installs), len(wantSources))
	}
	for i, install := range installs {
		source := packages.Sources[i]
		want := withLinkMode(source.Execs[len(source.Execs)-1].Argv, "symlink")
		wantArgv(t, "resolve install of "+string(source.Kind), install, want)
		if !slices.Contains(install, "--link-mode=symlink") {
			t.Errorf("resolve install %v copies: the throwaway copy only needs links", install)
		}
	}
	// The last source is only resolved (uv's dry run with its JSON report), as it would install.
	wantArgv(t, "resolve dry run", specs[1].DryRun, append(slices.Clone(installs[len(installs)-1]), "--dry-run", "--output-format=json"))
	// Each source's input is mounted for the exec that resolves it, named by its layer.
	for i, source := range packages.Sources {
		if source.Kind == KindPyproject {
			continue // the export runs on the same copy and writes the file there
		}
		resolve := resolves[min(i/(len(packages.Sources)-1), 1)]
		if !slices.ContainsFunc(resolve.Mounts, func(m Mount) bool {
			return m.Kind == MountInput && m.Layer == source.Kind && m.Target == source.RequirementsFile
		}) {
			t.Errorf("resolve does not mount the input of %s at %s: %+v", source.Kind, source.RequirementsFile, resolve.Mounts)
		}
	}
	export := packages.Execs[0]
	if !export.Scratch || export.Stdout == "" || !slices.ContainsFunc(export.Mounts, func(m Mount) bool { return m.Layer == KindPyproject }) {
		t.Errorf("the pyproject export should run first on the copy with the pyproject's input: %+v", export)
	}
}

func TestLayeredKeepsSequentialWhereItCannotBeTheSame(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *settings.Resolved)
		want   string
	}{
		{"pip installer", func(r *settings.Resolved) { r.Installer = settings.InstallerPip }, "python_package_installer is pip"},
		{"install target", func(r *settings.Resolved) {
			r.InstallerArgs = append(r.InstallerArgs, settings.InstallerArg{Name: "target", Value: strp("/opt/lib")})
		}, "--target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fullResolved()
			tc.modify(r)
			p := layeredPlan(t, r, fullInputs())
			if p.Layout != LayoutSequential || !strings.Contains(p.LayoutReason, tc.want) {
				t.Errorf("layout %s because %q, want sequential because of %q", p.Layout, p.LayoutReason, tc.want)
			}
			wantNoLayer(t, p, KindPackages)
			mustFind(t, p, KindRequirements)
			if !strings.Contains(p.String(), "layout: sequential, because "+p.LayoutReason) {
				t.Errorf("the plan text does not say why:\n%s", p)
			}
		})
	}
}

func TestLayeredPlanWithoutRequirementsHasNoPackagesLayer(t *testing.T) {
	p := layeredPlan(t, minimalResolved(), Inputs{})
	wantNoLayer(t, p, KindPackages)
	if p.LayoutReason != "" {
		t.Errorf("nothing to install needs no reason, got %q", p.LayoutReason)
	}
}

func TestLayeredDockerfileInstallsTheSourcesInSequence(t *testing.T) {
	layered, _ := layeredPlan(t, fullResolved(), fullInputs()).Dockerfile()
	sequential, _ := mustBuild(t, fullResolved(), fullInputs()).Dockerfile()
	withoutComments := func(s string) []string {
		return slices.DeleteFunc(lines(s), func(l string) bool { return strings.HasPrefix(l, "# ") })
	}
	if !slices.Equal(withoutComments(layered), withoutComments(sequential)) {
		t.Errorf("the Dockerfile of a layered plan differs from the sequential one:\n%s\n---\n%s", layered, sequential)
	}
	if !strings.Contains(layered, "# stepimage installs these sources in the layered layout") {
		t.Errorf("the rendering does not say the build layers what the Dockerfile installs in sequence:\n%s", layered)
	}
}

func TestLayeredPlanTextShowsWhatRuns(t *testing.T) {
	text := layeredPlan(t, fullResolved(), fullInputs()).String()
	for _, want := range []string{"layout: layered", "resolve, on a copy:", "--link-mode=symlink -r /run/stepimage/requirements.txt", "then per bucket:", "--no-deps"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "import json") || strings.Contains(text, "resolve.py") {
		t.Errorf("the plan text shows the resolve's driver script; it belongs in the JSON plan only:\n%s", text)
	}
}

func TestParseLayout(t *testing.T) {
	for name, want := range map[string]Layout{"": DefaultLayout, "layered": LayoutLayered, "sequential": LayoutSequential} {
		if got, err := ParseLayout(name); err != nil || got != want {
			t.Errorf("ParseLayout(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := ParseLayout("buckets"); err == nil || !strings.Contains(err.Error(), "layered") {
		t.Errorf("ParseLayout(buckets) = %v, want an error naming the layouts", err)
	}
}

func TestLayerOfFindsTheResolveAndTheBuckets(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	packages := mustFind(t, p, KindPackages)
	if got := p.LayerOf(packages.Execs[len(packages.Execs)-1].Argv); got != KindPackages {
		t.Errorf("LayerOf(resolve) = %s", got)
	}
	buckets, reason := p.Buckets(&Resolution{After: []Distribution{{Name: "six", Version: "1.17.0"}}})
	if reason != "" {
		t.Fatal(reason)
	}
	if got := p.LayerOf(buckets[0].Exec.Argv); got != KindPackages {
		t.Errorf("LayerOf(bucket) = %s", got)
	}
	// After a fallback, the sources' own execs run: they are found as their own layers.
	source := packages.Sources[len(packages.Sources)-1]
	if got := p.LayerOf(source.Execs[len(source.Execs)-1].Argv); got != source.Kind {
		t.Errorf("LayerOf(fallback install) = %s, want %s", got, source.Kind)
	}
}

// TestResolveScriptRuns runs the resolve's driver with this machine's Python: its installs are
// a command that installs nothing and one that fails, as an install would.
func TestResolveScriptRuns(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 here: the resolve script is exercised by the integration tests")
	}
	dir := t.TempDir()
	requirements := filepath.Join(dir, "requirements.txt")
	os.WriteFile(requirements, []byte("numpy\n--extra-index-url https://example.org/simple  # a comment\n-r sub/more.txt\n  --pre\n# --not-an-option\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "more.txt"), []byte("six\n-c ../requirements.txt\n--find-links ./wheels\n"), 0o644)
	spec := func(installs [][]string, dryRun ...string) string {
		data, _ := json.Marshal(resolveSpec{Files: []string{requirements}, Names: map[string]string{requirements: "requirements.txt"}, Installs: installs, DryRun: dryRun})
		return string(data)
	}
	script := filepath.Join(dir, "resolve.py")
	os.WriteFile(script, []byte(resolveScript), 0o644)
	resolve := func(t *testing.T, installs [][]string, dryRun ...string) *Resolution {
		t.Helper()
		out, err := exec.Command(python, script, spec(installs, dryRun...)).Output()
		if err != nil {
			t.Fatalf("resolve script: %v", err)
		}
		res, err := ParseResolution(string(out))
		if err != nil {
			t.Fatalf("%v (output %q: an install's stdout must not reach it)", err, out)
		}
		return res
	}
	// The installs' marker: a file whose existence says the (last) install really ran.
	marker := filepath.Join(dir, "installed")
	realInstall := []string{python, "-c", "import sys; open(sys.argv[1], 'w'); print('installing')", marker}
	res := resolve(t, [][]string{realInstall})
	if len(res.After) == 0 || len(res.Before) != len(res.After) {
		t.Errorf("before %d, after %d distributions; want equal, non-empty lists", len(res.Before), len(res.After))
	}
	// Included files are read too (relative to their includer, each once); comments are not options.
	wantOptions := []OptionLine{{"requirements.txt", 2, "--extra-index-url https://example.org/simple"}, {"sub/more.txt", 3, "--find-links ./wheels"}, {"requirements.txt", 4, "--pre"}}
	if !slices.Equal(res.Options, wantOptions) {
		t.Errorf("options = %+v, want %+v", res.Options, wantOptions)
	}

	// The last install as uv's dry run: its report (stdout) and its text (stderr) make the after list.
	someInstalled := res.Before[0]
	report := fmt.Sprintf(`{"schema": {"version": "preview"}, "changes": [
		{"name": %q, "version": %q, "action": "uninstalled"},
		{"name": "Six", "version": "1.16.0", "action": "installed"},
		{"name": "attrs", "version": "24.2.0", "action": "installed"}], "dry_run": true}`, someInstalled.Name, someInstalled.Version)
	text := "Would install 2 packages\n - x==1\n + six==1.16.0\n + attrs @ https://example.org/attrs-24.2.0-py3-none-any.whl\n"
	dryRun := []string{python, "-c", "import sys; sys.stderr.write(sys.argv[2]); print(sys.argv[1])", report, text}
	os.Remove(marker)
	res = resolve(t, [][]string{realInstall}, dryRun...)
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the last install ran although its dry run reported what it would do")
	}
	if len(res.After) != len(res.Before)+1 {
		t.Errorf("after %d distributions, want the %d before, one uninstalled and two installed", len(res.After), len(res.Before))
	}
	for _, d := range res.After {
		if d == someInstalled {
			t.Errorf("%s %s is still listed after the dry run uninstalled it", d.Name, d.Version)
		}
	}
	six := slices.IndexFunc(res.After, func(d Distribution) bool { return d.Name == "Six" && d.Version == "1.16.0" && d.DirectURL == "" })
	attrs := slices.IndexFunc(res.After, func(d Distribution) bool {
		return d.Name == "attrs" && strings.Contains(d.DirectURL, "https://example.org/attrs-24.2.0-py3-none-any.whl")
	})
	if six < 0 || attrs < 0 {
		t.Errorf("after = %+v, want six 1.16.0 from the index and attrs from its URL", res.After)
	}

	// A dry run that fails, or whose report the script does not know, leaves it to the install.
	for name, dryRun := range map[string][]string{
		"failing":                 {python, "-c", "import sys; sys.exit(2)"},
		"unknown action":          {python, "-c", `print('{"changes": [{"name": "six", "version": "1", "action": "reinstalled"}]}')`},
		"not JSON":                {python, "-c", "print('Would install 1 package')"},
		"unknown uninstall":       {python, "-c", `print('{"changes": [{"name": "not-installed-here", "version": "1", "action": "uninstalled"}]}')`},
		"install not in its text": {python, "-c", `import sys; sys.stderr.write(" + idna==3.7\n"); print('{"changes": [{"name": "six", "version": "1.16.0", "action": "installed"}]}')`},
	} {
		os.Remove(marker)
		cmd := exec.Command(python, script, spec([][]string{realInstall}, dryRun...))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s dry run: resolve script: %v\n%s", name, err, stderr.String())
		}
		res, err := ParseResolution(string(out))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("%s dry run: the last install did not run", name)
		}
		if want := "stepimage: resolving requirements.txt by installing it: uv's dry run could not be read ("; !strings.Contains(stderr.String(), want) {
			t.Errorf("%s dry run: the resolve does not say why it installs:\n%s", name, stderr.String())
		}
		if len(res.Before) != len(res.After) {
			t.Errorf("%s dry run: before %d, after %d distributions; want the install's (equal) lists", name, len(res.Before), len(res.After))
		}
	}

	// Two execs: the earlier sources' installs write their JSON, the last source's dry run
	// continues from it (its before list, its after list, its options first).
	earlierOut, err := exec.Command(python, script, spec([][]string{realInstall})).Output()
	if err != nil {
		t.Fatalf("resolve script, earlier sources: %v", err)
	}
	earlierJSON := filepath.Join(dir, "earlier.json")
	os.WriteFile(earlierJSON, earlierOut, 0o644)
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte("--no-index\n"), 0o644)
	lastOnly, _ := json.Marshal(resolveSpec{Files: []string{other}, Names: map[string]string{other: "other.txt"},
		Installs: [][]string{realInstall}, DryRun: dryRun, Earlier: earlierJSON})
	os.Remove(marker)
	out, err := exec.Command(python, script, string(lastOnly)).Output()
	if err != nil {
		t.Fatalf("resolve script, last source: %v", err)
	}
	continued, err := ParseResolution(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the last install ran although its dry run reported what it would do")
	}
	if !slices.Equal(continued.Before, res.Before) || !slices.Equal(continued.After, res.After) {
		t.Errorf("continued resolve: before %d after %d, want %d and %d as in one exec", len(continued.Before), len(continued.After), len(res.Before), len(res.After))
	}
	fromEarlier, err := ParseResolution(string(earlierOut))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(continued.Earlier, fromEarlier.After) || len(continued.Earlier) == 0 || res.Earlier != nil {
		t.Errorf("continued resolve: earlier = %d distributions, want the earlier sources' %d (and none from one exec: %d)", len(continued.Earlier), len(fromEarlier.After), len(res.Earlier))
	}
	if want := append(slices.Clone(wantOptions), OptionLine{"other.txt", 1, "--no-index"}); !slices.Equal(continued.Options, want) {
		t.Errorf("continued options = %+v, want %+v", continued.Options, want)
	}

	failing := exec.Command(python, script, spec([][]string{{python, "-c", "import sys; sys.exit(3)"}}, python, "-c", "import sys; sys.exit(1)"))
	stderr, err := failing.CombinedOutput()
	if err == nil || failing.ProcessState.ExitCode() != 3 {
		t.Errorf("a failed install should end the resolve with its exit code 3, got %v", err)
	}
	if want := "stepimage: resolving requirements.txt: " + python + " -c 'import sys; sys.exit(3)' failed with exit code 3"; !strings.Contains(string(stderr), want) {
		t.Errorf("the resolve's stderr does not name the failed install:\n%s\nwant %s", stderr, want)
	}
}

func TestCodeAndUserRunBesideTheInstalls(t *testing.T) {
	r := fullResolved()
	r.LocalProjectInstallCommand = nil
	p := layeredPlan(t, r, fullInputs())
	for _, layer := range p.Layers {
		want := layer.Kind == KindCode || layer.Kind == KindUser
		if layer.BesideInstalls != want {
			t.Errorf("%s: beside the installs = %v, want %v", layer.Kind, layer.BesideInstalls, want)
		}
	}
	if !strings.Contains(p.String(), "runs beside the installs, merged after them") {
		t.Errorf("the plan text does not say so:\n%s", p)
	}
	// A local project install reads the installed packages: everything stays in order.
	withLocalInstall := layeredPlan(t, fullResolved(), fullInputs())
	for _, plans := range []*Plan{withLocalInstall, mustBuild(t, r, fullInputs())} {
		for _, layer := range plans.Layers {
			if layer.BesideInstalls {
				t.Errorf("%s runs beside the installs in a plan with a local install or the sequential layout", layer.Kind)
			}
		}
	}
}
