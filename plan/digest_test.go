package plan

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"dagger/stepimage/settings"
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestLabels(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *settings.Resolved)
		want   map[string]string // besides the settings digest, checked apart
	}{
		{"minimal: code not included, nowhere to download it from", func(*settings.Resolved) {}, map[string]string{
			LabelInstaller: "pip", LabelCodeIncluded: "false", LabelBaseName: "python:3.11-slim", LabelCodeDownload: "none"}},
		{"code included: no download label", func(r *settings.Resolved) {
			r.AllowIncludingFilesInImages = true
			r.AllowDownloadFromCodeRepository = true
		}, map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "true", LabelBaseName: "python:3.11-slim"}},
		{"download from both, repository first", func(r *settings.Resolved) {
			r.AllowDownloadFromArtifactStore = true
			r.AllowDownloadFromCodeRepository = true
		}, map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "false", LabelBaseName: "python:3.11-slim",
			LabelCodeDownload: "code_repository,artifact_store"}},
		{"download from the artifact store only", func(r *settings.Resolved) { r.AllowDownloadFromArtifactStore = true },
			map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "false", LabelBaseName: "python:3.11-slim",
				LabelCodeDownload: "artifact_store"}},
		{"download from the code repository only", func(r *settings.Resolved) { r.AllowDownloadFromCodeRepository = true },
			map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "false", LabelBaseName: "python:3.11-slim",
				LabelCodeDownload: "code_repository"}},
		{"steps; GPUs are no label (steps that differ only in resources share an image)", func(r *settings.Resolved) {
			r.Steps = []string{"eval", "train"}
			r.Resources.GPUCount = 2
			r.Installer = "uv"
			r.AllowIncludingFilesInImages = true
		}, map[string]string{LabelInstaller: "uv", LabelCodeIncluded: "true", LabelBaseName: "python:3.11-slim",
			LabelSteps: "eval,train"}},
		{"dockerfile parent has no base name", func(r *settings.Resolved) {
			r.ParentImage = ""
			r.Dockerfile = "Dockerfile"
			r.AllowIncludingFilesInImages = true
		}, map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "true"}},
		{"fractional CPUs and memory are not labels", func(r *settings.Resolved) {
			r.Resources = settings.ResolvedResources{CPUCount: 0.5, Memory: "1GB"}
			r.AllowIncludingFilesInImages = true
		}, map[string]string{LabelInstaller: "pip", LabelCodeIncluded: "true", LabelBaseName: "python:3.11-slim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := minimalResolved()
			tc.modify(r)
			got := Labels(r)
			if got[LabelSettingsDigest] != SettingsDigest(r) {
				t.Errorf("settings digest label = %q, want SettingsDigest(r) = %q", got[LabelSettingsDigest], SettingsDigest(r))
			}
			delete(got, LabelSettingsDigest)
			if !maps.Equal(got, tc.want) {
				t.Errorf("labels:\n got  %v\n want %v", got, tc.want)
			}
			for _, buildTime := range []string{LabelBaseDigest, LabelContentDigest} {
				if _, ok := got[buildTime]; ok {
					t.Errorf("label %s is only known at build time", buildTime)
				}
			}
		})
	}
}

func TestSettingsDigestStable(t *testing.T) {
	a, b := fullResolved(), fullResolved()
	d := SettingsDigest(a)
	if !sha256Hex.MatchString(d) {
		t.Fatalf("SettingsDigest = %q, want 64 lower-case hex characters", d)
	}
	for i := 0; i < 20; i++ {
		if again := SettingsDigest(a); again != d {
			t.Fatalf("SettingsDigest changed between calls: %s then %s", d, again)
		}
	}
	if SettingsDigest(b) != d {
		t.Errorf("equal settings built separately have different digests")
	}
}

func TestSettingsDigestIgnoresMapInsertionOrder(t *testing.T) {
	keys := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	build := func(order []string) *settings.Resolved {
		r := minimalResolved()
		r.BuildOptions = map[string]any{}
		args := map[string]any{}
		for _, k := range order {
			r.BuildOptions[k] = k + "-value"
			args[k] = len(k)
		}
		r.ParentImageBuildOptions = map[string]any{"buildargs": args}
		return r
	}
	reversed := make([]string, len(keys))
	for i, k := range keys {
		reversed[len(keys)-1-i] = k
	}
	want := SettingsDigest(build(keys))
	for i := 0; i < 20; i++ {
		if got := SettingsDigest(build(reversed)); got != want {
			t.Fatalf("digest depends on map order: %s vs %s", got, want)
		}
	}
}

func TestSettingsDigestIgnoresPreventBuildReuse(t *testing.T) {
	r := fullResolved()
	before := SettingsDigest(r)
	r.PreventBuildReuse = true
	if got := SettingsDigest(r); got != before {
		t.Errorf("prevent_build_reuse changed the settings digest: %s → %s", before, got)
	}
	if !r.PreventBuildReuse {
		t.Errorf("SettingsDigest reset PreventBuildReuse on the caller's settings")
	}
}

func TestSettingsDigestNilAndEmptyAreEqual(t *testing.T) {
	a, b := minimalResolved(), minimalResolved()
	b.Steps, b.Requirements, b.AptPackages, b.RequiredIntegrations = []string{}, []string{}, []string{}, []string{}
	b.Environment, b.BuildOptions = []settings.EnvVar{}, map[string]any{}
	if SettingsDigest(a) != SettingsDigest(b) {
		t.Errorf("nil and empty lists/maps mean the same settings but digest differently")
	}
}

// mutation changes one field of a Resolved.
type mutation struct {
	path  string
	apply func(r *settings.Resolved)
}

// fieldMutations returns one mutation per leaf field of Resolved, found by reflection, so that a
// field added later is covered too (or fails here when its kind is new).
func fieldMutations(t *testing.T, typ reflect.Type, prefix string, index []int) []mutation {
	t.Helper()
	var out []mutation
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		idx := append(append([]int{}, index...), i)
		path := prefix + f.Name
		if f.Type.Kind() == reflect.Struct {
			out = append(out, fieldMutations(t, f.Type, path+".", idx)...)
			continue
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Float64, reflect.Slice, reflect.Map:
		default:
			t.Fatalf("field %s has kind %s, which this test cannot change yet", path, f.Type.Kind())
		}
		out = append(out, mutation{path, func(r *settings.Resolved) {
			v := reflect.ValueOf(r).Elem().FieldByIndex(idx)
			v.Set(changed(v))
		}})
	}
	return out
}

// changed returns a value different from v, never sharing v's backing storage.
func changed(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(v.String() + "~changed")
	case reflect.Bool:
		out.SetBool(!v.Bool())
	case reflect.Int:
		out.SetInt(v.Int() + 1)
	case reflect.Float64:
		out.SetFloat(v.Float() + 0.5)
	case reflect.Slice:
		elem := reflect.New(v.Type().Elem()).Elem()
		switch elem.Kind() {
		case reflect.String:
			elem.SetString("extra")
		case reflect.Struct:
			elem.Field(0).SetString("EXTRA") // EnvVar.Name, InstallerArg.Name
		}
		out = reflect.AppendSlice(reflect.MakeSlice(v.Type(), 0, v.Len()+1), v)
		out = reflect.Append(out, elem)
	case reflect.Map:
		out = reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			out.SetMapIndex(k, v.MapIndex(k))
		}
		out.SetMapIndex(reflect.ValueOf("extra"), reflect.ValueOf(any("x")))
	}
	return out
}

func TestSettingsDigestChangesWithEveryOtherField(t *testing.T) {
	base := fullResolved()
	base.ParentImageBuildOptions = map[string]any{"buildargs": map[string]any{"A": "1"}}
	base.BuildOptions = map[string]any{"platform": "linux/amd64"}
	want := SettingsDigest(base)
	mutations := fieldMutations(t, reflect.TypeOf(settings.Resolved{}), "", nil)
	if len(mutations) < 30 {
		t.Fatalf("found only %d fields to change", len(mutations))
	}
	seen := map[string]string{}
	for _, m := range mutations {
		t.Run(m.path, func(t *testing.T) {
			r := fullResolved()
			r.ParentImageBuildOptions = map[string]any{"buildargs": map[string]any{"A": "1"}}
			r.BuildOptions = map[string]any{"platform": "linux/amd64"}
			m.apply(r)
			got := SettingsDigest(r)
			if m.path == "PreventBuildReuse" || strings.HasPrefix(m.path, "Resources.") {
				if got != want {
					t.Errorf("%s must not change the digest: what a step requests is no part of its image", m.path)
				}
				return
			}
			if got == want {
				t.Errorf("changing %s does not change the settings digest", m.path)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("changing %s and %s give the same digest", m.path, other)
			}
			seen[got] = m.path
		})
	}
}

func TestSettingsDigestChangesWithinListElements(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *settings.Resolved)
	}{
		{"installer arg without value → empty value", func(r *settings.Resolved) { r.InstallerArgs[1].Value = strp("") }},
		{"installer arg value", func(r *settings.Resolved) { r.InstallerArgs[0].Value = strp("120") }},
		{"env value", func(r *settings.Resolved) { r.Environment = []settings.EnvVar{{Name: "A", Value: "2"}} }},
		{"env becomes secret", func(r *settings.Resolved) {
			r.Environment = []settings.EnvVar{{Name: "A", Value: "1", Secret: true, SecretName: "a"}}
		}},
		{"runtime env instead of build env", func(r *settings.Resolved) {
			r.RuntimeEnvironment, r.Environment = r.Environment, nil
		}},
		{"requirement order", func(r *settings.Resolved) { r.Requirements = []string{"b", "a"} }},
		{"nested build arg", func(r *settings.Resolved) {
			r.ParentImageBuildOptions = map[string]any{"buildargs": map[string]any{"A": "2"}}
		}},
	}
	base := func() *settings.Resolved {
		r := minimalResolved()
		r.Environment = []settings.EnvVar{{Name: "A", Value: "1"}}
		r.Requirements = []string{"a", "b"}
		r.ParentImageBuildOptions = map[string]any{"buildargs": map[string]any{"A": "1"}}
		return r
	}
	want := SettingsDigest(base())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.modify(r)
			if SettingsDigest(r) == want {
				t.Errorf("digest unchanged")
			}
		})
	}
}

func TestContentDigest(t *testing.T) {
	r := fullResolved()
	inputs := func() map[string]string {
		return map[string]string{
			"parent":                        "python:3.12-slim@sha256:" + strings.Repeat("1", 64),
			"code":                          "sha256:" + strings.Repeat("2", 64),
			"requirements:requirements.txt": "sha256:" + strings.Repeat("3", 64),
			"stack":                         "boto3\ns3fs",
		}
	}
	want := ContentDigest(r, inputs())
	if !sha256Hex.MatchString(want) {
		t.Fatalf("ContentDigest = %q, want 64 lower-case hex characters", want)
	}

	t.Run("independent of map order", func(t *testing.T) {
		names := []string{"stack", "requirements:requirements.txt", "parent", "code"}
		for i := 0; i < 20; i++ {
			m := map[string]string{}
			for j := range names {
				name := names[(i+j)%len(names)]
				m[name] = inputs()[name]
			}
			if got := ContentDigest(r, m); got != want {
				t.Fatalf("digest depends on insertion order: %s vs %s", got, want)
			}
		}
	})
	t.Run("nil and empty inputs are equal", func(t *testing.T) {
		if ContentDigest(r, nil) != ContentDigest(r, map[string]string{}) {
			t.Errorf("nil and empty input maps digest differently")
		}
		if ContentDigest(r, nil) == SettingsDigest(r) {
			t.Errorf("content digest without inputs should still be its own hash, not the settings digest")
		}
	})

	changes := []struct {
		name   string
		modify func(r *settings.Resolved, in map[string]string)
	}{
		{"parent digest", func(_ *settings.Resolved, in map[string]string) {
			in["parent"] = "python:3.12-slim@sha256:" + strings.Repeat("9", 64)
		}},
		{"code digest", func(_ *settings.Resolved, in map[string]string) { in["code"] = "sha256:" + strings.Repeat("8", 64) }},
		{"stack requirements", func(_ *settings.Resolved, in map[string]string) { in["stack"] = "boto3" }},
		{"input added", func(_ *settings.Resolved, in map[string]string) { in["local-environment"] = "sha256:abc" }},
		{"input removed", func(_ *settings.Resolved, in map[string]string) { delete(in, "code") }},
		{"input renamed", func(_ *settings.Resolved, in map[string]string) {
			in["requirements:other.txt"] = in["requirements:requirements.txt"]
			delete(in, "requirements:requirements.txt")
		}},
		{"values swapped between inputs", func(_ *settings.Resolved, in map[string]string) {
			in["code"], in["requirements:requirements.txt"] = in["requirements:requirements.txt"], in["code"]
		}},
		{"empty value", func(_ *settings.Resolved, in map[string]string) { in["code"] = "" }},
		{"settings", func(r *settings.Resolved, _ map[string]string) { r.Requirements = append(r.Requirements, "x") }},
	}
	for _, tc := range changes {
		t.Run("changes with "+tc.name, func(t *testing.T) {
			r2, in := fullResolved(), inputs()
			tc.modify(r2, in)
			if got := ContentDigest(r2, in); got == want {
				t.Errorf("content digest unchanged")
			}
		})
	}
	t.Run("prevent_build_reuse does not change it", func(t *testing.T) {
		r2 := fullResolved()
		r2.PreventBuildReuse = true
		if ContentDigest(r2, inputs()) != want {
			t.Errorf("prevent_build_reuse changed the content digest")
		}
	})
}

// TestContentDigestIsUnambiguous: the digest is documented as "equal digests mean an equal image",
// so two different input maps must never hash the same text.
func TestContentDigestIsUnambiguous(t *testing.T) {
	r := minimalResolved()
	pairs := []struct {
		name string
		a, b map[string]string
	}{
		{"= inside a name", map[string]string{"a=b": "c"}, map[string]string{"a": "b=c"}},
		{"newline inside a value", map[string]string{"a": "x\nb=y"}, map[string]string{"a": "x", "b": "y"}},
	}
	var collisions []string
	for _, p := range pairs {
		if ContentDigest(r, p.a) == ContentDigest(r, p.b) {
			collisions = append(collisions, fmt.Sprintf("%s: %q and %q", p.name, p.a, p.b))
		}
	}
	if len(collisions) > 0 {
		t.Errorf("different inputs hash the same: %s", strings.Join(collisions, "; "))
	}
}

func TestContentTag(t *testing.T) {
	validTag := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	full := ContentDigest(minimalResolved(), nil)
	tests := []struct {
		in, want string
	}{
		{full, "sha256-" + full[:32]},
		{strings.Repeat("a", 32), "sha256-" + strings.Repeat("a", 32)},
		{strings.Repeat("b", 33), "sha256-" + strings.Repeat("b", 32)},
		{"abc", "sha256-abc"},
	}
	for _, tc := range tests {
		got := ContentTag(tc.in)
		if got != tc.want {
			t.Errorf("ContentTag(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !validTag.MatchString(got) {
			t.Errorf("ContentTag(%q) = %q is not a valid registry tag", tc.in, got)
		}
	}
	if got := ContentTag(full); len(got) != len("sha256-")+32 {
		t.Errorf("ContentTag of a full digest has length %d, want %d", len(got), len("sha256-")+32)
	}
}
