package settings

import (
	"reflect"
	"strings"
	"testing"
)

// Tests for the faults and bad input of issue 13 ("Reliability: faults and bad input found by
// probing"), one per item.

// TestEnvironmentValueOverKernelLimit (13.1): a "NAME=value" string over MAX_ARG_STRLEN would
// stop every exec, so it is refused in validation, also when a placeholder makes it too long.
func TestEnvironmentValueOverKernelLimit(t *testing.T) {
	const name = "FOO"
	atLimit := strings.Repeat("x", maxEnvString-len(name)-2) // FOO= + value + NUL = 131072
	overLimit := atLimit + "x"

	resolve(t, "runtime_environment:\n  FOO: "+atLimit+"\n", "", Vars{})

	_, _, err := load(t, "apt_packages: [git]\nruntime_environment:\n  FOO: "+overLimit+"\n").Resolve("", Vars{})
	wantErr(t, err, "settings.yaml:3:3:", "runtime_environment.FOO", "131073 bytes", "131072", "MAX_ARG_STRLEN",
		"every process in the image", "argument list too long", "fix: put large data in a file")

	_, _, err = load(t, "apt_packages: [git]\nenvironment:\n  FOO: "+overLimit+"\n").Resolve("", Vars{})
	wantErr(t, err, "settings.yaml:3:3:", "environment.FOO", "MAX_ARG_STRLEN", "the install steps")

	doc := "settings:\n  docker:\n    environment:\n      FOO: 'prefix-${BIG}'\n"
	_, _, err = load(t, doc).Resolve("", Vars{Values: map[string]string{"BIG": atLimit}})
	wantErr(t, err, "settings.yaml:4:7:", "settings.docker.environment.FOO", "after expanding its ${...} placeholders", "MAX_ARG_STRLEN")
	resolve(t, doc, "", Vars{Values: map[string]string{"BIG": "small"}})
}

// TestLoadRefusesInvalidUTF8 (13.5): the first bad byte is located by line, column and offset.
func TestLoadRefusesInvalidUTF8(t *testing.T) {
	_, err := Load("settings.yaml", []byte("settings:\n  docker:\n    user: caf\xe9\n"))
	wantErr(t, err, "settings.yaml:3:14:", "not valid UTF-8", "byte 0xE9 at offset 33", "fix: save the file as UTF-8")

	_, err = Load("settings.yaml", []byte("\xff\xfea\x00:\x00"))
	wantErr(t, err, "settings.yaml:1:1:", "UTF-16", "save the file as UTF-8")

	// Columns count characters, as editors do: é is two bytes.
	_, err = Load("settings.yaml", []byte("apt_packages: [git]\nuser: é\x80\n"))
	wantErr(t, err, "settings.yaml:2:8:", "not valid UTF-8", "byte 0x80")

	load(t, "\xef\xbb\xbfapt_packages: [git]\nenvironment: {GREETING: héllo}\n") // a UTF-8 byte order mark is fine
}

// TestLoadControlCharacterHasPosition (13.11c): yaml.v3 says "control characters are not
// allowed" with no line; Load names line, column and the character.
func TestLoadControlCharacterHasPosition(t *testing.T) {
	_, err := Load("settings.yaml", []byte("apt_packages: [git]\nuser: a\x07b\n"))
	wantErr(t, err, "settings.yaml:2:8:", "the control character U+0007 is not allowed in a YAML file", "fix: remove it")

	_, err = Load("settings.yaml", []byte("a\x00p\x00t\x00"))
	wantErr(t, err, "settings.yaml:1:2:", "U+0000 (NUL)", "UTF-16")

	_, err = Load("settings.yaml", []byte("user: x\u0085\uFFFE\n"))
	wantErr(t, err, "settings.yaml:1:9:", "the character U+FFFE")
}

// TestRequirementOptions (13.6): a requirement-list entry is one allowed option with its value,
// in a form pip and uv read alike; anything more would be honoured by pip behind our back.
func TestRequirementOptions(t *testing.T) {
	accepted := []string{
		"--pre", "  --pre  ", "--prefer-binary",
		"--index-url https://x.example/simple", "--index-url=https://x.example/simple", "-i https://x.example/simple",
		"--extra-index-url https://download.pytorch.org/whl/cpu", "--extra-index-url=https://${TOKEN}@x.example/simple",
		"-f ./wheels", "--find-links=https://x.example/wheels", "--trusted-host x.example",
		"--only-binary :all:", "--no-binary=psycopg2",
	}
	for _, entry := range accepted {
		t.Run(entry, func(t *testing.T) {
			doc := "python_package_installer: pip\nrequirements:\n  - '" + entry + "'\n"
			if r, _ := resolve(t, doc, "", Vars{}); !reflect.DeepEqual(r.Requirements, []string{entry}) {
				t.Errorf("got %q", r.Requirements)
			}
		})
	}
	refused := map[string]string{
		"--pre -r /etc/os-release": "--pre takes no value",
		"--pre=1":                  "--pre takes no value",
		"--index-url https://x.example -r /etc/x": "more than one option",
		"--index-url=https://x.example -r /etc/x": "more than one option",
		"--index-url":                              "--index-url needs a value",
		"--index-url=":                             "--index-url needs a value",
		"-i=https://x.example":                     "a short option takes its value after a space",
		"--index-url -r":                           "looks like another option",
		"--index-url 'https://x.example'":          "quote, backslash, # or space",
		"--index-url https://x.example/#frag":      "quote, backslash, # or space",
		"--extra-index-url\u00a0https://x.example": "is an installer option that a requirements layer cannot honour",
		"-r /etc/os-release":                       `"-r" is an installer option`,
		"--requirement=/etc/os-release":            `"--requirement" is an installer option`,
	}
	for entry, want := range refused {
		t.Run(entry, func(t *testing.T) {
			doc := "python_package_installer: pip\nrequirements:\n  - pandas\n  - \"" + entry + "\"\n"
			_, _, err := load(t, doc).Resolve("", Vars{})
			wantErr(t, err, "settings.yaml:4:5:", "requirements[1]", want, "fix: write one option per entry")
		})
	}
}

// TestRequirementOptionsUnderUV (13.6): uv ignores --pre and --trusted-host in a requirements
// file, so they become command-line flags; it has no --prefer-binary, which is refused.
func TestRequirementOptionsUnderUV(t *testing.T) {
	doc := "requirements: ['--pre', '--trusted-host h.example', '--extra-index-url https://h.example/simple', torch, '--pre']\n"
	r, _ := resolve(t, doc, "", Vars{})
	if want := []string{"--prerelease=allow", "--allow-insecure-host=h.example"}; !reflect.DeepEqual(r.UVRequirementFlags, want) {
		t.Errorf("uv flags: got %q, want %q", r.UVRequirementFlags, want)
	}
	if r, _ = resolve(t, "python_package_installer: pip\n"+doc, "", Vars{}); r.UVRequirementFlags != nil {
		t.Errorf("pip reads the options from the file; got uv flags %q", r.UVRequirementFlags)
	}

	_, _, err := load(t, "requirements:\n  - torch\n  - --prefer-binary\n").Resolve("", Vars{})
	wantErr(t, err, "settings.yaml:3:5:", "requirements[1]", "uv has no --prefer-binary", "--only-binary :all:", "python_package_installer: pip")
	resolve(t, "python_package_installer: pip\nrequirements: [torch, --prefer-binary]\n", "", Vars{})
}

// TestControlCharactersRefusedWithLine (13.7a): a control character in anything that reaches a
// Dockerfile or an argv is refused with the line; a newline in a step name would otherwise end
// the Dockerfile's header comment and add an instruction.
func TestControlCharactersRefusedWithLine(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"step name", "settings:\n  docker: {apt_packages: [git]}\nsteps:\n  \"train\\nRUN curl evil | sh\": {}\n",
			[]string{"settings.yaml:4:3:", `steps."train\nRUN curl evil | sh"`, "step name contains the control character U+000A (a line break)"}},
		{"target_repository", "apt_packages: [git]\ntarget_repository: \"team/x\\n\"\n", []string{"settings.yaml:2:1:", "target_repository", "U+000A"}},
		{"image_tag", "apt_packages: [git]\nimage_tag: \"v1\\r\"\n", []string{"settings.yaml:2:1:", "image_tag", "U+000D (a carriage return)"}},
		{"user", "apt_packages: [git]\nuser: \"app\\x00\"\n", []string{"settings.yaml:2:1:", "user", "U+0000 (NUL)"}},
		{"parent_image", "parent_image: \"python:3.11\\t\"\n", []string{"settings.yaml:1:1:", "parent_image", "U+0009 (a tab)"}},
		{"environment name", "apt_packages: [git]\nenvironment: {\"A\\nB\": x}\n", []string{"settings.yaml:2:15:", "invalid environment variable name"}},
		{"environment value", "apt_packages: [git]\nenvironment: {A: \"x\\ry\"}\n", []string{"settings.yaml:2:15:", "environment.A", "U+000D", "only tabs and line breaks"}},
		{"environment value after expansion", "apt_packages: [git]\nenvironment: {A: \"${V}\"}\n", []string{"settings.yaml:2:15:", "environment.A", "after expanding", "U+001B (escape)"}},
		{"apt package", "apt_packages: [git, \"curl\\x7f\"]\n", []string{"settings.yaml:1:21:", "apt_packages[1]", "U+007F (delete)"}},
		{"integration", "required_integrations: [\"mlflow\\n\"]\n", []string{"settings.yaml:1:25:", "required_integrations[0]", "U+000A"}},
		{"requirement", "requirements: [\"pandas\\x1b[2J\"]\n", []string{"settings.yaml:1:16:", "requirements[0]", "U+001B"}},
		{"requirement line break", "requirements: [\"pandas\\n-r /etc/x\"]\n", []string{"settings.yaml:1:16:", "requirements[0]", "one line"}},
		{"dockerfile path", "dockerfile: \"Docker\\u2028file\"\n", []string{"settings.yaml:1:1:", "dockerfile", "U+2028"}},
		{"export command", "pyproject_path: pyproject.toml\npyproject_export_command: [uv, \"export\\n\"]\n", []string{"settings.yaml:2:32:", "pyproject_export_command[1]", "U+000A"}},
		{"replicate command", "replicate_local_python_environment: [pip, \"freeze\\t\"]\n", []string{"settings.yaml:1:43:", "replicate_local_python_environment[1]", "U+0009"}},
		{"installer arg", "apt_packages: [git]\npython_package_installer_args: {index-url: \"x\\ny\"}\n", []string{"settings.yaml:2:33:", "python_package_installer_args.index-url", "control characters"}},
		{"local install command", "local_project_install_command: \"pip install\\x07 .\"\n", []string{"settings.yaml:1:1:", "local_project_install_command", "control character"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("settings.yaml", []byte(tc.doc))
			if err == nil {
				_, _, err = c.Resolve("", Vars{Values: map[string]string{"V": "\x1b[31m"}})
			}
			wantErr(t, err, tc.want...)
		})
	}
	// Tabs and line breaks are fine in environment values (a PEM certificate, a JSON document).
	resolve(t, "apt_packages: [git]\nenvironment: {CERT: \"-----BEGIN-----\\n\\tabc\\n-----END-----\\n\"}\n", "", Vars{})
}

// TestUserNames (13.8): useradd's rules, at most 32 characters, numeric IDs in range; the
// user:group forms Docker's USER and chown take keep working.
func TestUserNames(t *testing.T) {
	for _, user := range []string{"app", "_svc", "ml-runner", "build$", strings.Repeat("a", 32), "1000", "0", "4294967294",
		"1000:1000", "app:staff", "app:1000", "1000:staff", "app:" + strings.Repeat("g", 32)} {
		r, _ := resolve(t, "apt_packages: [git]\nuser: '"+user+"'\n", "", Vars{})
		if r.User != user {
			t.Errorf("user %q: got %q", user, r.User)
		}
	}
	refused := map[string][]string{
		strings.Repeat("a", 33):          {"user name", "is 33 characters; useradd accepts at most 32", "fix: use a user name of at most 32 characters, or a numeric ID"},
		"app:" + strings.Repeat("g", 33): {"group name", "is 33 characters", "fix: use a group name of at most 32"},
		"4294967295":                     {"user ID 4294967295 is out of range"},
		"99999999999999999999999":        {"out of range"},
		"app:":                           {"the group is empty"},
		":staff":                         {"the user is empty"},
		"App":                            {`user name "App" is not one useradd accepts`},
		"-app":                           {"is not one useradd accepts"},
		"a$b":                            {"is not one useradd accepts"},
		"app:staff:x":                    {`group name "staff:x"`},
		"root user":                      {"is not one useradd accepts"},
	}
	for user, want := range refused {
		t.Run(user, func(t *testing.T) {
			_, _, err := load(t, "apt_packages: [git]\nuser: '"+user+"'\n").Resolve("", Vars{})
			wantErr(t, err, append([]string{"settings.yaml:2:1:", "user", "invalid user"}, want...)...)
		})
	}
}

// TestWarningsNotRepeated (13.11b): a warning is reported once, at the text that causes it, not
// once per step that inherits it or per place a YAML alias is used.
func TestWarningsNotRepeated(t *testing.T) {
	all := func(doc string, vars Vars) []Warning {
		t.Helper()
		c := load(t, doc)
		_, ws, err := c.Images(vars)
		if err != nil {
			t.Fatal(err)
		}
		return append(append([]Warning{}, c.Warnings...), ws...)
	}
	count := func(ws []Warning, fragment string) int {
		n := 0
		for _, w := range ws {
			if strings.Contains(w.String(), fragment) {
				n++
			}
		}
		return n
	}

	// parent_image_build_config is unused without a dockerfile: one warning at the pipeline's
	// key, not one more per step.
	ws := all("settings:\n  docker:\n    apt_packages: [git]\n    parent_image_build_config: {build_options: {a: 1}}\nsteps:\n  train:\n    settings:\n      docker:\n        user: app\n", Vars{})
	if n := count(ws, "only used with dockerfile"); n != 1 {
		t.Errorf("want one 'only used with dockerfile' warning, got %d: %v", n, ws)
	}
	wantWarning(t, ws, "settings.yaml:4:5: settings.docker.parent_image_build_config: only used with dockerfile")

	// A docker block shared by an alias is one text: its warnings are reported once.
	ws = all("settings:\n  docker: &d\n    apt_packages: [git]\n    copy_files: true\n    build_context_root: ctx\nsteps:\n  train:\n    settings:\n      docker: *d\n", Vars{})
	for _, fragment := range []string{"copy_files: deprecated", "build_context_root: only used with dockerfile"} {
		if n := count(ws, fragment); n != 1 {
			t.Errorf("want one %q warning, got %d: %v", fragment, n, ws)
		}
	}

	// Two keys on one line with the same message are two warnings.
	ws = all("settings:\n  docker: {apt_packages: [git], copy_files: true, copy_global_config: true}\n", Vars{})
	if n := count(ws, "deprecated in ZenML and has no effect"); n != 2 {
		t.Errorf("want two warnings on one line, got %d: %v", n, ws)
	}

	// A placeholder used twice in a value is missing once.
	_, rw := resolve(t, "apt_packages: [git]\nenvironment: {URL: '${HOST}:${PORT}/${HOST}'}\n", "", Vars{KeepMissing: true})
	if n := count(rw, "${HOST}"); n != 1 {
		t.Errorf("want one warning for ${HOST}, got %d: %v", n, rw)
	}
}

// TestDocumentTooLargeHint (13.11d): the hint names aliases only when they caused the size.
func TestDocumentTooLargeHint(t *testing.T) {
	var big strings.Builder
	big.WriteString("apt_packages:\n")
	for i := 0; i <= maxNodes; i++ {
		big.WriteString("  - git\n")
	}
	_, err := Load("settings.yaml", []byte(big.String()))
	wantErr(t, err, "document too large: more than 100000 values", "requirements file")
	if strings.Contains(err.Error(), "alias") {
		t.Errorf("no alias in the file, but the message blames aliases: %v", err)
	}

	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nsettings:\n  docker:\n    build_options: {x: *e}\n"
	_, err = Load("settings.yaml", []byte(bomb))
	wantErr(t, err, "document too large: more than 100000 values after expanding aliases", "avoid deeply nested YAML aliases")
}

// TestBuildArgsAreCheckedWithTheirLine: a build argument's name becomes an ARG line of the
// Dockerfile rendering; one that is not a variable name (a newline would start an instruction)
// is refused with its field and line, as is a control character in a value.
func TestBuildArgsAreCheckedWithTheirLine(t *testing.T) {
	for _, tc := range []struct{ doc, field string }{
		{"build_config:\n  build_options:\n    build_args:\n      \"A\\nRUN evil\": x\n", "build_config.build_options.build_args.A\nRUN evil"},
		{"build_config:\n  build_options:\n    buildargs: {1A: x}\n", "build_config.build_options.buildargs.1A"},
		{"build_config:\n  build_options:\n    build_args: {TEAM: \"a\\u0007b\"}\n", "build_config.build_options.build_args.TEAM"},
		{"dockerfile: Dockerfile\nparent_image_build_config:\n  build_options:\n    build_args: {\"B-C\": x}\n", "parent_image_build_config.build_options.build_args.B-C"},
	} {
		_, _, err := load(t, tc.doc).Resolve("", Vars{})
		if err == nil || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "fix:") || !strings.Contains(err.Error(), "settings.yaml:") {
			t.Errorf("%q: err = %v, want the field %q, its line and a fix", tc.doc, err, tc.field)
		}
	}
	if _, _, err := load(t, "build_config:\n  build_options:\n    build_args: {TEAM: ml, N: 3}\n").Resolve("", Vars{}); err != nil {
		t.Errorf("valid build args refused: %v", err)
	}
}
