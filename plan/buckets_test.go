package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func dists(pairs ...string) []Distribution {
	var out []Distribution
	for _, pair := range pairs {
		name, version, _ := strings.Cut(pair, "==")
		out = append(out, Distribution{Name: name, Version: version})
	}
	return out
}

func mustBuckets(t *testing.T, p *Plan, res *Resolution) []Bucket {
	t.Helper()
	buckets, reason := p.Buckets(res)
	if reason != "" {
		t.Fatalf("Buckets: fell back: %s", reason)
	}
	return buckets
}

// bucketOf maps each pin to its bucket's name.
func bucketOf(buckets []Bucket) map[string]string {
	out := map[string]string{}
	for _, b := range buckets {
		for _, pkg := range b.Packages {
			out[pkg] = b.Name
		}
	}
	return out
}

func TestBucketsInstallWhatTheInstallsAddedOrChanged(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	res := &Resolution{
		Before: dists("pip==24.0", "six==1.16.0", "tabulate==0.9.0"),
		After:  dists("pip==24.0", "six==1.17.0", "tabulate==0.9.0", "Scikit_Learn==1.9.1", "joblib==1.5.0"),
	}
	got := bucketOf(mustBuckets(t, p, res))
	want := []string{"joblib==1.5.0", "scikit-learn==1.9.1", "six==1.17.0"}
	if keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(keys, want) {
		t.Errorf("installed pins = %v, want %v (unchanged ones are the base's, names normalised)", keys, want)
	}
	if got["scikit-learn==1.9.1"] != "scikit-learn" {
		t.Errorf("a large package should be alone in its bucket, got %q", got["scikit-learn==1.9.1"])
	}
}

func TestBucketExecInstallsPinsWithoutDependencies(t *testing.T) {
	r := fullResolved()
	p := layeredPlan(t, r, fullInputs())
	buckets := mustBuckets(t, p, &Resolution{After: dists("numpy==2.4.6")})
	argv := buckets[0].Exec.Argv
	for _, want := range append(installerFlags(r), "--no-deps", "--link-mode=copy", "--cache-dir="+uvCacheDir, "numpy==2.4.6") {
		if !slices.Contains(argv, want) {
			t.Errorf("bucket install %v lacks %q", argv, want)
		}
	}
	if argv[len(argv)-1] != "numpy==2.4.6" || !buckets[0].Exec.Network {
		t.Errorf("bucket exec = %+v, want the pins last and the network bound", buckets[0].Exec)
	}
	if !slices.ContainsFunc(buckets[0].Exec.Mounts, func(m Mount) bool { return m.Kind == MountCache && m.Volume == UVVolume }) {
		t.Errorf("bucket install has no uv cache volume: %+v", buckets[0].Exec.Mounts)
	}
}

// Adding one small package changes one bucket: the others are the same installs, so the same
// cached layers.
func TestAddingAPackageChangesOneBucket(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	var base []string
	for i := range 60 {
		base = append(base, fmt.Sprintf("pkg%d==1.0", i))
	}
	before := mustBuckets(t, p, &Resolution{After: dists(append(base, "torch==2.11.0", "numpy==2.4.6")...)})
	after := mustBuckets(t, p, &Resolution{After: dists(append(base, "torch==2.11.0", "numpy==2.4.6", "tabulate==0.10.0")...)})
	changed := 0
	for _, b := range after {
		i := slices.IndexFunc(before, func(o Bucket) bool { return o.Name == b.Name })
		if i < 0 || !slices.Equal(before[i].Exec.Argv, b.Exec.Argv) {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d buckets changed after adding one package, want 1", changed)
	}
	if n := len(after); n > SmallBuckets+2 {
		t.Errorf("%d buckets for 60 small and 2 large packages, want at most %d", n, SmallBuckets+2)
	}
	// A version bump of a large package changes its bucket alone.
	bumped := mustBuckets(t, p, &Resolution{After: dists(append(base, "torch==2.11.1", "numpy==2.4.6", "tabulate==0.10.0")...)})
	for i, b := range bumped {
		if same := slices.Equal(b.Exec.Argv, after[i].Exec.Argv); same == (b.Name == "torch") {
			t.Errorf("bucket %s same=%v after bumping torch", b.Name, same)
		}
	}
}

func TestBucketsAreDeterministicAndCapped(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	var pins []string
	for i := range 14 {
		pins = append(pins, fmt.Sprintf("nvidia-lib%d==12.%d", i, i))
	}
	for _, name := range largePackages {
		pins = append(pins, name+"==1.0")
	}
	pins = append(pins, "click==8.2.0")
	one := mustBuckets(t, p, &Resolution{After: dists(pins...)})
	slices.Reverse(pins)
	two := mustBuckets(t, p, &Resolution{After: dists(pins...)})
	if len(one) != len(two) {
		t.Fatalf("bucket count depends on order: %d vs %d", len(one), len(two))
	}
	for i := range one {
		if !slices.Equal(one[i].Exec.Argv, two[i].Exec.Argv) {
			t.Errorf("bucket %d differs with the input order: %v vs %v", i, one[i].Exec.Argv, two[i].Exec.Argv)
		}
	}
	if n := len(one); n > MaxLargeBuckets+SmallBuckets {
		t.Errorf("%d buckets, want at most %d", n, MaxLargeBuckets+SmallBuckets)
	}
	got := bucketOf(one)
	if got["torch==1.0"] != "torch" || got["nvidia-lib3==12.3"] != "nvidia" || got["nvidia-lib13==12.13"] != "nvidia" {
		t.Error("torch, the largest, should keep its own bucket, and NVIDIA's wheels share one, when large packages are capped")
	}
	if strings.HasPrefix(got["zenml==1.0"], "zenml") {
		t.Error("zenml, the last of the large list, should be past the cap and share a bucket")
	}
}

func TestBucketsFallBackWhereVersionsCannotReproduceTheInstalls(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	tests := []struct {
		name string
		res  Resolution
		want string
	}{
		{"direct URL", Resolution{After: []Distribution{{Name: "mylib", Version: "0.1", DirectURL: `{"url": "file:///app/mylib"}`}}},
			"mylib 0.1 is installed from a URL, a path or a VCS"},
		{"removed", Resolution{Before: dists("six==1.16.0"), After: dists("numpy==2.0")}, "remove six 1.16.0"},
		{"two versions", Resolution{Before: dists("six==1.16.0"), After: dists("six==1.16.0", "six==1.17.0", "Six==1.17.1")}, "two versions of Six"},
		{"editable option", Resolution{After: dists("six==1.17.0"), Options: []OptionLine{{"requirements.txt", 3, "-e ./lib"}}},
			`requirements.txt line 3: "-e ./lib"`},
		{"hashes", Resolution{After: dists("six==1.17.0"), Options: []OptionLine{{"requirements", 1, "--require-hashes"}}}, "--require-hashes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buckets, reason := p.Buckets(&tc.res)
			if !strings.Contains(reason, tc.want) || buckets != nil {
				t.Errorf("Buckets = %d buckets, reason %q; want a fallback because %q", len(buckets), reason, tc.want)
			}
		})
	}
}

func TestBucketsCarryTheIndexOptionsOfRequirementFiles(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	res := &Resolution{After: dists("torch==2.11.0+cpu"), Options: []OptionLine{
		{"requirements.txt", 1, "--extra-index-url https://download.pytorch.org/whl/cpu"},
		{"requirements", 1, "--extra-index-url=https://download.pytorch.org/whl/cpu"},
		{"requirements", 2, "-f ./wheels"},
		{"requirements", 3, "--pre"},
		{"requirements", 4, "--trusted-host pypi.internal"},
		{"requirements", 5, "-i https://pypi.internal/simple"},
	}}
	argv := mustBuckets(t, p, res)[0].Exec.Argv
	joined := strings.Join(argv, " ")
	for _, want := range []string{"--extra-index-url https://download.pytorch.org/whl/cpu", "--find-links ./wheels", "--prerelease=allow",
		"--allow-insecure-host=pypi.internal", "--index-url https://pypi.internal/simple", "torch==2.11.0+cpu"} {
		if !strings.Contains(joined, want) {
			t.Errorf("bucket install %v lacks %q", argv, want)
		}
	}
	if strings.Count(joined, "download.pytorch.org") != 1 {
		t.Errorf("the same index written twice should be passed once: %v", argv)
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{"Scikit_Learn": "scikit-learn", "zope.interface": "zope-interface", "a--b__c": "a-b-c"} {
		if got := normalizeName(in); got != want {
			t.Errorf("normalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAFewSmallPackagesShareOneBucket(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	buckets := mustBuckets(t, p, &Resolution{After: dists("numpy==2.4.6", "scipy==1.17.1", "joblib==1.6.0", "threadpoolctl==3.8.0", "cloudpickle==3.1.3")})
	var names []string
	for _, b := range buckets {
		names = append(names, b.Name)
	}
	if want := []string{"numpy", "packages-1-of-1", "scipy"}; !slices.Equal(names, want) {
		t.Errorf("buckets %v, want %v: each container start costs, and three small packages need one", names, want)
	}
}

// With several sources, the earlier sources' small packages (zenml's ~150) share buckets of
// their own: a package added by the last source (the user's requirements) reinstalls a bucket
// of the last source's packages only.
func TestEarlierSourcesPackagesShareBucketsOfTheirOwn(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	var zenml []string
	for i := range 150 {
		zenml = append(zenml, fmt.Sprintf("zenml-dep-%d==1.%d", i, i))
	}
	earlier := dists(append(slices.Clone(zenml), "pluggy==1.6.0")...)
	resolution := func(last ...string) *Resolution {
		after := slices.Clone(earlier)
		for _, pin := range last {
			name, _, _ := strings.Cut(pin, "==")
			after = slices.DeleteFunc(after, func(d Distribution) bool { return d.Name == name })
			after = append(after, dists(pin)...)
		}
		return &Resolution{Earlier: earlier, After: after}
	}
	before := mustBuckets(t, p, resolution("pyarrow==26.0.1"))
	added := mustBuckets(t, p, resolution("pyarrow==26.0.1", "iniconfig==2.0.0"))
	of := bucketOf(added)
	if !strings.HasPrefix(of["zenml-dep-7==1.7"], "earlier-sources-") || of["pyarrow==26.0.1"] != "pyarrow" {
		t.Errorf("buckets of an earlier source's package and a large one: %q, %q", of["zenml-dep-7==1.7"], of["pyarrow==26.0.1"])
	}
	changed := changedBuckets(before, added)
	if len(changed) != 1 {
		t.Fatalf("adding iniconfig changed buckets %v, want one", changed)
	}
	bucket := added[slices.IndexFunc(added, func(b Bucket) bool { return b.Name == changed[0] })]
	if !strings.HasPrefix(bucket.Name, "packages-") || !slices.Equal(bucket.Packages, []string{"iniconfig==2.0.0"}) {
		t.Errorf("the changed bucket is %s %v, want the last source's own bucket with iniconfig alone", bucket.Name, bucket.Packages)
	}
	// The last source overriding an earlier pin: the version is the last source's.
	override := bucketOf(mustBuckets(t, p, resolution("pluggy==1.5.0")))
	if name := override["pluggy==1.5.0"]; !strings.HasPrefix(name, "packages-") || override["pluggy==1.6.0"] != "" {
		t.Errorf("an overridden pin: pluggy 1.5.0 in %q (want the last source's bucket), 1.6.0 in %q (want none)", name, override["pluggy==1.6.0"])
	}
	// One source (no earlier list): the small packages share the same buckets as before.
	single := bucketOf(mustBuckets(t, p, &Resolution{After: earlier}))
	if !strings.HasPrefix(single["zenml-dep-7==1.7"], "packages-") {
		t.Errorf("with one source, zenml-dep-7 is in %q, want a shared packages bucket", single["zenml-dep-7==1.7"])
	}
}

// changedBuckets names the buckets of b that a does not have with the same exec.
func changedBuckets(a, b []Bucket) []string {
	var changed []string
	for _, bucket := range b {
		if !slices.ContainsFunc(a, func(old Bucket) bool {
			return old.Name == bucket.Name && slices.Equal(old.Exec.Argv, bucket.Exec.Argv)
		}) {
			changed = append(changed, bucket.Name)
		}
	}
	return changed
}

// Packages that ship a large package's files (mlflow-skinny, mlflow-tracing: mlflow's) share
// its bucket, so the image carries those files once; without it they are small packages.
func TestPackagesWithTheSameFilesShareABucket(t *testing.T) {
	p := layeredPlan(t, fullResolved(), fullInputs())
	of := bucketOf(mustBuckets(t, p, &Resolution{After: dists("mlflow==3.17.2", "mlflow-skinny==3.17.2", "mlflow_tracing==3.17.2", "six==1.17.0")}))
	for _, pin := range []string{"mlflow==3.17.2", "mlflow-skinny==3.17.2", "mlflow-tracing==3.17.2"} {
		if of[pin] != "mlflow" {
			t.Errorf("%s is in bucket %q, want mlflow's", pin, of[pin])
		}
	}
	if of["six==1.17.0"] == "mlflow" {
		t.Errorf("six joined mlflow's bucket")
	}
	alone := bucketOf(mustBuckets(t, p, &Resolution{After: dists("mlflow-skinny==3.17.2")}))
	if !strings.HasPrefix(alone["mlflow-skinny==3.17.2"], "packages-") {
		t.Errorf("mlflow-skinny without mlflow is in %q, want a shared bucket", alone["mlflow-skinny==3.17.2"])
	}
}
