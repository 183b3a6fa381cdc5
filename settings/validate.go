package settings

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// Docker reference grammar (github.com/distribution/reference), written out small.
var (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainRE        = regexp.MustCompile(`^` + domainComponent + `(?:\.` + domainComponent + `)*(?::[0-9]+)?$`)
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE           = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE        = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// checkImageRef validates a full image reference: [registry[:port]/]path[:tag][@sha256:hex].
func checkImageRef(ref string) string {
	if ref == "" {
		return "must not be empty"
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestRE.MatchString(digest) {
		return fmt.Sprintf("invalid digest %q (expected sha256: and 64 lowercase hex digits)", digest)
	}
	// A tag is after the last colon that comes after the last slash (a registry port is not a tag).
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		tag := name[i+1:]
		if !tagRE.MatchString(tag) {
			return fmt.Sprintf("invalid tag %q (letters, digits, _ . -; at most 128; not starting with . or -)", tag)
		}
		name = name[:i]
	}
	return checkRepository(name, true)
}

// checkRepository validates a repository name; withDomain allows a leading registry host.
func checkRepository(name string, withDomain bool) string {
	if name == "" {
		return "missing repository name"
	}
	if len(name) > 255 {
		return "repository name longer than 255 characters"
	}
	parts := strings.Split(name, "/")
	// As in Docker: the first component is a registry when it has a dot or a port, or is localhost.
	if withDomain && len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		if !domainRE.MatchString(parts[0]) {
			return fmt.Sprintf("invalid registry host %q", parts[0])
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if !pathComponentRE.MatchString(p) {
			if strings.ToLower(p) == p {
				return fmt.Sprintf("invalid repository path component %q (lowercase letters and digits, separated by . _ __ or -)", p)
			}
			return fmt.Sprintf("invalid repository path component %q: repository names must be lowercase", p)
		}
	}
	return ""
}

var (
	// Debian package names, optionally with :arch and/or =version.
	aptRE         = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$`)
	integrationRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	argNameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	userRE        = regexp.MustCompile(`^(?:[a-z_][a-z0-9_-]*|[0-9]+)(?::(?:[a-z_][a-z0-9_-]*|[0-9]+))?$`)
	memoryRE      = regexp.MustCompile(`^[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)$`)
)

// requirementFileOptions are the options pip and uv read from a requirements file and that
// need nothing else in the build: index and wheel locations and binary preferences. ZenML
// writes list entries into such a file, so real configurations use them
// (e.g. "--extra-index-url https://download.pytorch.org/whl/cpu"). They never reach a shell.
var requirementFileOptions = []string{
	"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
	"--pre", "--prefer-binary", "--only-binary", "--no-binary",
}

// checkRequirement rejects what would change the meaning of a generated requirements file.
func checkRequirement(r string) (msg, fix string) {
	trimmed := strings.TrimSpace(r)
	switch {
	case trimmed == "":
		return "empty requirement", "remove the empty entry"
	case strings.ContainsAny(r, "\n\r\x00"):
		return "a requirement must be one line", "split it into separate list entries"
	case strings.HasPrefix(trimmed, "-"):
		option, _, _ := strings.Cut(strings.Fields(trimmed)[0], "=")
		for _, allowed := range requirementFileOptions {
			if option == allowed {
				return "", ""
			}
		}
		return fmt.Sprintf("%q is an installer option that a requirements layer cannot honour (only %s are)", r, strings.Join(requirementFileOptions, ", ")),
			"install local projects with local_project_install_command, and put other installer options in python_package_installer_args"
	}
	return "", ""
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
	case strings.ContainsAny(p, "\x00\n\r"):
		return "", "contains a control character"
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
