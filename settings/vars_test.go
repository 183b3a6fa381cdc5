package settings

import (
	"reflect"
	"testing"
)

func TestVars(t *testing.T) {
	vars := Vars{Values: map[string]string{"USER_NAME": "ann", "URL": "https://x", "EMPTY": ""}, Secrets: map[string]bool{"HF_TOKEN": true}}
	cases := []struct {
		name  string
		doc   string
		want  []EnvVar
		field func(*Resolved) []EnvVar
	}{
		{"plain", "apt_packages: [git]\nenvironment: {A: '${USER_NAME}'}\n", []EnvVar{{Name: "A", Value: "ann"}}, env},
		{"inside a string", "apt_packages: [git]\nenvironment: {A: 'pre-${USER_NAME}-${URL}/x'}\n", []EnvVar{{Name: "A", Value: "pre-ann-https://x/x"}}, env},
		{"empty value", "apt_packages: [git]\nenvironment: {A: '${EMPTY}'}\n", []EnvVar{{Name: "A", Value: ""}}, env},
		{"escape", "apt_packages: [git]\nenvironment: {A: 'literal $${USER_NAME}'}\n", []EnvVar{{Name: "A", Value: "literal ${USER_NAME}"}}, env},
		{"lone dollar is literal", "apt_packages: [git]\nenvironment: {A: 'pa$$word $HOME $'}\n", []EnvVar{{Name: "A", Value: "pa$$word $HOME $"}}, env},
		{"secret whole value", "apt_packages: [git]\nenvironment: {HF_TOKEN: '${HF_TOKEN}', TOKEN2: '${HF_TOKEN}'}\n",
			[]EnvVar{{Name: "HF_TOKEN", Secret: true, SecretName: "HF_TOKEN"}, {Name: "TOKEN2", Secret: true, SecretName: "HF_TOKEN"}}, env},
		{"runtime plain", "runtime_environment: {API: '${URL}/api'}\napt_packages: [git]\n", []EnvVar{{Name: "API", Value: "https://x/api"}}, runtimeEnv},
		{"unquoted placeholder", "apt_packages: [git]\nruntime_environment:\n  API_KEY: ${URL}\n", []EnvVar{{Name: "API_KEY", Value: "https://x"}}, runtimeEnv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := resolve(t, tc.doc, "", vars)
			if got := tc.field(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func env(r *Resolved) []EnvVar        { return r.Environment }
func runtimeEnv(r *Resolved) []EnvVar { return r.RuntimeEnvironment }

func TestVarErrors(t *testing.T) {
	vars := Vars{Values: map[string]string{"A": "a"}, Secrets: map[string]bool{"HF_TOKEN": true}}
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"missing", "settings:\n  docker:\n    runtime_environment:\n      API_KEY: ${MY_API_KEY}\n",
			[]string{"settings.yaml:4:7:", "settings.docker.runtime_environment.API_KEY", "MY_API_KEY", "with-env --name=MY_API_KEY", "with-secret"}},
		{"secret in runtime", "settings:\n  docker:\n    runtime_environment: {T: '${HF_TOKEN}'}\n",
			[]string{"settings.yaml:3:27:", "settings.docker.runtime_environment.T", "baked into the image", "orchestrator's secrets"}},
		{"secret inside a string", "settings:\n  docker:\n    environment: {T: 'Bearer ${HF_TOKEN}'}\n",
			[]string{"settings.docker.environment.T", "inside a larger value", "whole value"}},
		{"unterminated", "apt_packages: [git]\nenvironment: {T: '${A'}\n", []string{"environment.T", "unterminated", "$${"}},
		{"bad name", "apt_packages: [git]\nenvironment: {T: '${A:-x}'}\n", []string{"environment.T", "invalid placeholder ${A:-x}"}},
		{"empty name", "apt_packages: [git]\nenvironment: {T: '${}'}\n", []string{"environment.T", "invalid placeholder"}},
		{"step level", "settings:\n  docker: {apt_packages: [git]}\nsteps:\n  s:\n    settings:\n      docker:\n        environment: {X: '${NOPE}'}\n",
			[]string{"settings.yaml:7:23:", "steps.s.settings.docker.environment.X", "NOPE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			step := ""
			if tc.name == "step level" {
				step = "s"
			}
			_, _, err := load(t, tc.doc).Resolve(step, vars)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestSplitCommand(t *testing.T) {
	cases := map[string][]string{
		`pip install -e .[train]`:           {"pip", "install", "-e", ".[train]"},
		`pip install "a b" 'c d' e\ f`:      {"pip", "install", "a b", "c d", "e f"},
		`uv pip install --system -e ".[x]"`: {"uv", "pip", "install", "--system", "-e", ".[x]"},
		`echo 'single $keeps|all'`:          {"echo", "single $keeps|all"},
		`echo "esc \" \\ \$"`:               {"echo", `esc " \ $`},
		`pip install a#b`:                   {"pip", "install", "a#b"},
	}
	for in, want := range cases {
		got, msg := splitCommand(in)
		if msg != "" || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCommand(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for _, bad := range []string{"a;b", "a > f", "a < f", "a `b`", "$(x)", "a # comment", "a\nb", "a\\", `"open`, "a & b"} {
		if _, msg := splitCommand(bad); msg == "" {
			t.Errorf("splitCommand(%q) accepted", bad)
		}
	}
}

func TestImageRefs(t *testing.T) {
	good := []string{"python", "python:3.11-slim", "pytorch/pytorch:2.2.0-cuda11.8-cudnn8-runtime", "ghcr.io/org/img:v1",
		"localhost:5000/img", "registry.example.com:443/a/b/c:tag", "python@sha256:" + hex64, "python:3.11@sha256:" + hex64, "a__b/c-d.e_f"}
	for _, ref := range good {
		if msg := checkImageRef(ref); msg != "" {
			t.Errorf("checkImageRef(%q) = %q", ref, msg)
		}
	}
	bad := []string{"", "Python", "python:", "python:-x", ":tag", "a//b", "-a", "a/b/", "python@md5:abc", "python:" + string(make([]byte, 129))}
	for _, ref := range bad {
		if msg := checkImageRef(ref); msg == "" {
			t.Errorf("checkImageRef(%q) accepted", ref)
		}
	}
}

// validate and plan inspect files whose values only come at build time: a placeholder without
// a value is kept as written and reported, and secrets are still refused where they leak.
func TestVarsKeepMissing(t *testing.T) {
	doc := "apt_packages: [git]\nruntime_environment:\n  API_KEY: ${MY_API_KEY}\n  URL: 'https://${HOST}/v1'\n"
	r, warnings := resolve(t, doc, "", Vars{KeepMissing: true})
	want := []EnvVar{{Name: "API_KEY", Value: "${MY_API_KEY}"}, {Name: "URL", Value: "https://${HOST}/v1"}}
	if !reflect.DeepEqual(r.RuntimeEnvironment, want) {
		t.Errorf("got %#v, want %#v", r.RuntimeEnvironment, want)
	}
	wantWarning(t, warnings, "runtime_environment.API_KEY", "${MY_API_KEY} has no value yet")
	wantWarning(t, warnings, "runtime_environment.URL", "${HOST}")

	_, _, err := load(t, doc).Resolve("", Vars{})
	wantErr(t, err, "MY_API_KEY", "with-env")
}
