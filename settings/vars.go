package settings

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// pyStr renders a decoded YAML scalar the way Python's str() does, since ZenML writes
// environment values with str(): true → "True", 1.50 → "1.5", 1e6 → "1000000.0".
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return pyFloat(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// pyFloat formats like Python's repr(float): shortest round-trip digits, exponent form only
// below 1e-4 or from 1e16, and always a ".0" on integral values.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// The shortest 'e' form names the decimal exponent Python uses to pick the notation.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if f != 0 && (exp < -4 || exp >= 16) {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// expandResult is a value after ${VAR} expansion.
type expandResult struct {
	value      string
	missing    []string // placeholders kept as written (Vars.KeepMissing)
	secretName string   // set when the whole value is one secret reference
	problem    string   // why the value cannot be expanded ("" when fine)
	fix        string
}

// expand replaces ${NAME} placeholders in s. "$${" is an escape for a literal "${"; "${{" (as in
// GitHub Actions' ${{ env.X }}) and any other "$" are literal (so "$HOME" or "pa$$word" pass
// through unchanged, as in ZenML, which only knows ${NAME}). An unterminated or malformed ${...} is an error rather than silently kept, because
// it is almost always a typo in a placeholder. runtime is true for runtime_environment, where
// secrets are refused: runtime values become part of the image configuration.
func expand(s string, vars Vars, runtime bool) expandResult {
	if name, ok := wholePlaceholder(s); ok && vars.Secrets[name] {
		if runtime {
			return expandResult{
				problem: fmt.Sprintf("secret %q cannot be used in runtime_environment: runtime values are baked into the image configuration, where anyone who can pull the image can read them", name),
				fix:     "provide it at run time through the orchestrator's secrets, or use it in environment (build steps only)",
			}
		}
		return expandResult{secretName: name}
	}
	var b strings.Builder
	var missing []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${{"):
			// GitHub Actions' ${{ expr }}, seen in real configurations: ZenML only substitutes
			// ${NAME} and keeps this as written.
			b.WriteString("${{")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return expandResult{problem: "unterminated ${ placeholder", fix: "close it with } or write $${ for a literal ${"}
			}
			name := s[i+2 : i+end]
			if !envNameRE.MatchString(name) {
				return expandResult{problem: fmt.Sprintf("invalid placeholder ${%s}: a name is letters, digits and _, not starting with a digit (no defaults or other shell forms)", name),
					fix: "write ${NAME}, or $${ for a literal ${"}
			}
			if vars.Secrets[name] {
				return expandResult{problem: fmt.Sprintf("secret %q is used inside a larger value; a secret can only be the whole value, so that it reaches build steps as a secret and never the image", name),
					fix: fmt.Sprintf("use \"${%s}\" alone as the value and build the combined value in your code", name)}
			}
			v, ok := vars.Values[name]
			if !ok && vars.KeepMissing {
				if !slices.Contains(missing, name) { // one warning per name, however often it is used
					missing = append(missing, name)
				}
				v = s[i : i+end+1]
			} else if !ok {
				return expandResult{problem: fmt.Sprintf("unable to substitute placeholder ${%s}: no value given for %s", name, name),
					fix: fmt.Sprintf("pass it with with-env --name=%s --value=VALUE, or with-secret --name=%s --value=env://%s if it is secret", name, name, name)}
			}
			b.WriteString(v)
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return expandResult{value: b.String(), missing: missing}
}

// wholePlaceholder reports whether s is exactly one ${NAME}.
func wholePlaceholder(s string) (string, bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	name := s[2 : len(s)-1]
	return name, envNameRE.MatchString(name)
}
