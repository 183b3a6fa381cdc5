package settings

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/go-containerregistry/pkg/name"
)

// checkImageRef validates a full image reference, [registry[:port]/]path[:tag][@sha256:hex],
// with go-containerregistry's grammar, the one publish and the reuse check use too.
func checkImageRef(ref string) string {
	if ref == "" {
		return "must not be empty"
	}
	base, digest, pinned := strings.Cut(ref, "@")
	if pinned {
		if _, err := name.NewDigest(ref); err != nil {
			return fmt.Sprintf("invalid digest %q (sha256: and 64 lowercase hex digits): %v", digest, err)
		}
	}
	tag, err := name.NewTag(base)
	if err != nil {
		return fmt.Sprintf("%q is not an image reference: %v%s", ref, err, referenceHint(ref))
	}
	if explicit := strings.HasSuffix(base, ":"+tag.TagStr()); explicit && !tagRE.MatchString(tag.TagStr()) {
		return fmt.Sprintf("invalid tag %q (letters, digits, _ . -; at most 128; not starting with . or -)", tag.TagStr())
	}
	return checkPathComponents(tag.RepositoryStr())
}

// checkRepository validates a repository path without registry, tag or digest.
func checkRepository(repo string) string {
	if _, err := name.NewRepository(repo); err != nil {
		return fmt.Sprintf("%q is not a repository name (%v)%s", repo, err, referenceHint(repo))
	}
	return checkPathComponents(repo)
}

// checkPathComponents refuses what go-containerregistry lets through but registries refuse:
// empty components, and a leading "-", which a Dockerfile's FROM would read as a flag.
func checkPathComponents(repo string) string {
	for _, part := range strings.Split(repo, "/") {
		if part == "" || strings.HasPrefix(part, "-") {
			return fmt.Sprintf("%q: repository path components are lowercase letters and digits, separated by . _ __ or -, and none is empty or starts with -", repo)
		}
	}
	return ""
}

func referenceHint(ref string) string {
	if strings.ToLower(ref) != ref {
		return ": repository names must be lowercase"
	}
	return ""
}

// tagRE is the OCI tag grammar.
var tagRE = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)

var (
	// Debian package names, optionally with :arch and/or =version.
	aptRE         = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$`)
	integrationRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	argNameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// useradd's rule for names (shadow's is_valid_user_name); a trailing $ marks machine accounts.
	accountNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]*[$]?$`)
	memoryRE      = regexp.MustCompile(`^[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)$`)
)

const (
	// maxAccountName is the longest user or group name useradd and groupadd create.
	maxAccountName = 32
	// maxID is the largest UID or GID: (uid_t)-1 means "no change" to chown and setuid.
	maxID = 1<<32 - 2
)

// checkUser validates `user` as Docker's USER and ZenML's `chown -R USER` take it: a name or
// a numeric UID, optionally followed by :group or :GID. A name must be one useradd can create,
// since the user layer creates a missing one.
func checkUser(user string) (msg, fix string) {
	if c := controlCharacter(user); c != "" {
		return fmt.Sprintf("invalid user %q: contains %s", user, c), userFix
	}
	name, group, hasGroup := strings.Cut(user, ":")
	if msg, fix := checkAccount("user", name); msg != "" {
		return fmt.Sprintf("invalid user %q: %s", user, msg), fix
	}
	if hasGroup {
		if msg, fix := checkAccount("group", group); msg != "" {
			return fmt.Sprintf("invalid user %q: %s", user, msg), fix
		}
	}
	return "", ""
}

const userFix = "write a user name (lowercase, e.g. app) or a UID, optionally with :group or :GID (e.g. 1000:1000)"

// checkAccount validates one side of user[:group]: what is "user" or "group".
func checkAccount(what, value string) (msg, fix string) {
	switch {
	case value == "":
		return fmt.Sprintf("the %s is empty", what), userFix
	case strings.Trim(value, "0123456789") == "":
		if id, err := strconv.ParseUint(value, 10, 64); err != nil || id > maxID {
			return fmt.Sprintf("%s ID %s is out of range (at most %d)", what, value, uint64(maxID)), "use a smaller numeric ID, or a name"
		}
	case !accountNameRE.MatchString(value):
		return fmt.Sprintf("%s name %q is not one useradd accepts (a lowercase letter or _, then lowercase letters, digits, _ or -, optionally ending in $)", what, value), userFix
	case len(value) > maxAccountName:
		return fmt.Sprintf("%s name %q is %d characters; useradd accepts at most %d", what, value, len(value), maxAccountName),
			fmt.Sprintf("use a %s name of at most %d characters, or a numeric ID", what, maxAccountName)
	}
	return "", ""
}

// requirementFileOption is an option that pip and uv read from a requirements file and that
// needs nothing else in the build: index and wheel locations and binary preferences. ZenML
// writes list entries into such a file, so real configurations use them
// (e.g. "--extra-index-url https://download.pytorch.org/whl/cpu"). They never reach a shell.
type requirementFileOption struct {
	name     string
	takesArg bool
	longForm string // the long spelling of a short option, for messages
}

var requirementFileOptions = []requirementFileOption{
	{name: "-i", takesArg: true, longForm: "--index-url"},
	{name: "--index-url", takesArg: true},
	{name: "--extra-index-url", takesArg: true},
	{name: "-f", takesArg: true, longForm: "--find-links"},
	{name: "--find-links", takesArg: true},
	{name: "--trusted-host", takesArg: true},
	{name: "--pre"},
	{name: "--prefer-binary"},
	{name: "--only-binary", takesArg: true},
	{name: "--no-binary", takesArg: true},
}

func requirementOptionNames() string {
	names := make([]string, len(requirementFileOptions))
	for i, o := range requirementFileOptions {
		names[i] = o.name
	}
	return strings.Join(names, ", ")
}

// requirementOption is one requirement-list entry that is an option, split into its parts.
type requirementOption struct {
	requirementFileOption
	value string
}

// parseRequirementOption reads an entry that starts with "-" as exactly one allowed option and
// its value. The file is parsed by pip (which reads every option on a line, so "--pre -r x"
// would include x) and by uv (which reads a value up to the end of the line or a "#", and
// unquotes it): only forms both read the same way are accepted.
func parseRequirementOption(entry string) (requirementOption, string) {
	// Plain spaces only: pip splits options with shlex, which does not treat other Unicode
	// spaces as separators.
	words := strings.FieldsFunc(strings.TrimSpace(entry), func(r rune) bool { return r == ' ' })
	name, value, hasEquals := strings.Cut(words[0], "=")
	var opt requirementOption
	found := false
	for _, o := range requirementFileOptions {
		if o.name == name {
			opt.requirementFileOption, found = o, true
		}
	}
	switch {
	case !found:
		return opt, fmt.Sprintf("%q is an installer option that a requirements layer cannot honour (only %s are)", name, requirementOptionNames())
	case !opt.takesArg && (hasEquals || len(words) > 1):
		return opt, fmt.Sprintf("%s takes no value, and an entry holds one option", name)
	case !opt.takesArg:
		return opt, ""
	case hasEquals && opt.longForm != "":
		// pip reads "-i=URL" as the value "=URL".
		return opt, fmt.Sprintf("%q: a short option takes its value after a space (%s VALUE or %s=VALUE)", words[0], name, opt.longForm)
	case hasEquals && len(words) > 1, !hasEquals && len(words) > 2:
		return opt, fmt.Sprintf("%q holds more than one option and value; pip would read every option on the line", entry)
	case !hasEquals && len(words) == 1:
		return opt, fmt.Sprintf("%s needs a value (%s VALUE)", name, name)
	case !hasEquals:
		value = words[1]
	}
	switch {
	case value == "":
		return opt, fmt.Sprintf("%s needs a value (%s=VALUE)", name, name)
	case strings.HasPrefix(value, "-"):
		return opt, fmt.Sprintf("the value %q of %s looks like another option", value, name)
	case strings.ContainsAny(value, `'"\#`) || strings.IndexFunc(value, unicode.IsSpace) >= 0:
		// pip unquotes and unescapes with shlex and uv stops at "#": they would read different values.
		return opt, fmt.Sprintf("the value %q of %s contains a quote, backslash, # or space, which pip and uv read differently", value, name)
	}
	opt.value = value
	return opt, ""
}

// checkRequirement rejects what would change the meaning of a generated requirements file.
func checkRequirement(r string) (msg, fix string) {
	trimmed := strings.TrimSpace(r)
	switch {
	case trimmed == "":
		return "empty requirement", "remove the empty entry"
	case strings.ContainsAny(r, "\n\r"):
		return "a requirement must be one line", "split it into separate list entries"
	case controlCharacter(r) != "":
		return "contains " + controlCharacter(r), "remove it"
	case strings.HasPrefix(trimmed, "-"):
		if _, msg := parseRequirementOption(trimmed); msg != "" {
			return msg, "write one option per entry (e.g. \"--extra-index-url https://example.org/simple\" or \"--pre\"); install local projects with local_project_install_command, and put other installer options in python_package_installer_args"
		}
	}
	return "", ""
}

// uvRequirementFlag returns the uv command-line flag that stands for a requirements-file option
// uv ignores in a file (with only a warning), "" when uv reads the option itself. uv has no
// equivalent of --prefer-binary; resolution refuses it under uv.
func uvRequirementFlag(opt requirementOption) string {
	switch opt.name {
	case "--pre":
		return "--prerelease=allow"
	case "--trusted-host":
		return "--allow-insecure-host=" + opt.value
	}
	return ""
}

// controlCharacter describes the first control character in s ("" when there is none). In a
// name it would end a Dockerfile line (a newline in a step name adds a RUN line after the header
// comment) or corrupt an argument; U+2028 and U+2029 are line breaks to many tools.
func controlCharacter(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return describeControl(r)
		}
	}
	return ""
}

// describeControl names a control character so that the user can find an invisible one.
func describeControl(r rune) string {
	names := map[rune]string{0: "NUL", '\t': "a tab", '\n': "a line break", '\r': "a carriage return", 0x1b: "escape", 0x7f: "delete"}
	if name, ok := names[r]; ok {
		return fmt.Sprintf("the control character U+%04X (%s)", r, name)
	}
	return fmt.Sprintf("the control character U+%04X", r)
}

// checkToken accepts a plain command-line token: no whitespace or control characters, which
// would split or corrupt the installer command line.
func checkToken(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// checkRelPath checks a source-relative path and returns it cleaned.
func checkRelPath(p string) (clean, msg string) {
	switch {
	case p == "":
		return "", "must not be empty"
	case controlCharacter(p) != "":
		return "", "contains " + controlCharacter(p)
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return "", fmt.Sprintf("absolute path %q; paths are relative to the source directory", p)
	}
	clean = path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Sprintf("path %q leaves the source directory", p)
	}
	return clean, ""
}

// splitCommand splits a command line into argv with shell-like quoting ('…', "…", \x) but
// refuses shell syntax: the command runs as an argument vector, never through a shell, so a pipe
// or a variable would not mean what the user expects.
func splitCommand(s string) ([]string, string) {
	var args []string
	var cur strings.Builder
	inWord := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(rs) {
				return nil, "ends with a backslash"
			}
			i++
			if rs[i] == '\n' {
				return nil, "contains a line break; write the command on one line"
			}
			cur.WriteRune(rs[i])
			inWord = true
		case c == '\'':
			end := indexRune(rs, i+1, '\'')
			if end < 0 {
				return nil, "has an unterminated single quote"
			}
			cur.WriteString(string(rs[i+1 : end]))
			i, inWord = end, true
		case c == '"':
			j, msg := readDoubleQuoted(rs, i+1, &cur)
			if msg != "" {
				return nil, msg
			}
			i, inWord = j, true
		case strings.ContainsRune("|&;<>`$()\n\r", c) || (c == '#' && !inWord):
			return nil, fmt.Sprintf("contains the shell metacharacter %q; the command is run as an argument vector without a shell, so pipes, redirections, variables, && and comments do not work", c)
		case unicode.IsControl(c):
			return nil, "contains a control character"
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, "is empty"
	}
	return args, ""
}

func indexRune(rs []rune, from int, r rune) int {
	for i := from; i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// readDoubleQuoted reads a "…" word body starting at rs[i]; returns the index of the closing quote.
func readDoubleQuoted(rs []rune, i int, cur *strings.Builder) (int, string) {
	for ; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '"':
			return i, ""
		case c == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]):
			i++
			cur.WriteRune(rs[i])
		case c == '$' || c == '`':
			return 0, fmt.Sprintf("contains %q inside double quotes; variables and command substitution are not expanded (no shell); use single quotes for a literal", c)
		default:
			cur.WriteRune(c)
		}
	}
	return 0, "has an unterminated double quote"
}
