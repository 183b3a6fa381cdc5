package settings

import (
	"fmt"
	"strings"
)

// ParseDotenv reads a dotenv-style file: NAME=VALUE per line, an optional `export ` prefix,
// values optionally in single quotes (taken as written) or double quotes (\n, \" and \\
// escapes); blank lines and lines starting with # are skipped. A malformed line is an error
// naming the file and line.
func ParseDotenv(file, contents string) ([]EnvVar, error) {
	var vars []EnvVar
	for i, line := range strings.Split(strings.ReplaceAll(contents, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fail := func(msg string) error {
			return fmt.Errorf("%s:%d: %s (fix: write NAME=VALUE, e.g. MODEL_VERSION=v2)", file, i+1, msg)
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fail("no = in this line")
		}
		if !envNameRE.MatchString(name) {
			return nil, fail(fmt.Sprintf("invalid variable name %q", name))
		}
		value, err := dotenvValue(strings.TrimSpace(value))
		if err != nil {
			return nil, fail(err.Error())
		}
		vars = append(vars, EnvVar{Name: name, Value: value})
	}
	return vars, nil
}

func dotenvValue(raw string) (string, error) {
	switch {
	case len(raw) >= 2 && raw[0] == '\'' && raw[len(raw)-1] == '\'':
		return raw[1 : len(raw)-1], nil
	case len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"':
		return strings.NewReplacer(`\n`, "\n", `\"`, `"`, `\\`, `\`).Replace(raw[1 : len(raw)-1]), nil
	case strings.HasPrefix(raw, "'") || strings.HasPrefix(raw, `"`):
		return "", fmt.Errorf("unterminated quote in %s", raw)
	}
	// An unquoted value ends at a comment.
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = strings.TrimSpace(raw[:i])
	}
	return raw, nil
}
