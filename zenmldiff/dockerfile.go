package zenmldiff

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Instruction is one Dockerfile instruction, normalised so that two renderings that mean the
// same compare equal: quoting is removed (ZenML writes ENV K='v', stepimage ENV K="v"; shell
// words may or may not be quoted), COPY's JSON form is read as its paths, and every ENV or
// LABEL pair is an instruction of its own.
type Instruction struct {
	// Cmd is the instruction in upper case: FROM, RUN, ENV, COPY...
	Cmd string
	// Flags are the leading --name[=value] options (RUN --mount=..., COPY --chown=...).
	Flags []string
	// Args are the arguments after quote removal: RUN's shell words, ENV's key and value,
	// COPY's paths, FROM's image (and AS name).
	Args []string
}

// String renders the instruction on one line, quoting the words that need it, for diffs.
func (in Instruction) String() string {
	parts := []string{in.Cmd}
	parts = append(parts, in.Flags...)
	switch in.Cmd {
	case "ENV", "LABEL", "ARG":
		if len(in.Args) == 2 {
			return strings.Join(append(parts, in.Args[0]+"="+quoteWord(in.Args[1])), " ")
		}
	}
	for _, a := range in.Args {
		parts = append(parts, quoteWord(a))
	}
	return strings.Join(parts, " ")
}

// Equal reports whether two instructions are the same after normalisation.
func (in Instruction) Equal(other Instruction) bool { return in.String() == other.String() }

// quoteWord shows a word as a shell would need it: bare when plain, else single-quoted.
func quoteWord(s string) string {
	if (s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~")) || s == "&&" || s == "||" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Parse reads a Dockerfile into normalised instructions. Comments and blank lines are dropped,
// continuation lines joined.
func Parse(text string) ([]Instruction, error) {
	var out []Instruction
	for n, line := range logicalLines(text) {
		ins, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("parsing instruction %d %q: %w", n+1, line, err)
		}
		out = append(out, ins...)
	}
	return out, nil
}

// logicalLines joins lines ending in a backslash with the next one and drops comment lines
// (also inside a continuation, as Docker does) and blank lines.
func logicalLines(text string) []string {
	var lines []string
	var cur strings.Builder
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if trimmed == "" && cur.Len() == 0 {
			continue
		}
		if strings.HasSuffix(raw, `\`) {
			cur.WriteString(strings.TrimSuffix(raw, `\`))
			continue
		}
		cur.WriteString(raw)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		lines = append(lines, s)
	}
	return lines
}

func parseLine(line string) ([]Instruction, error) {
	cmd, rest, _ := strings.Cut(line, " ")
	cmd = strings.ToUpper(cmd)
	rest = strings.TrimSpace(rest)
	switch cmd {
	case "ENV", "LABEL":
		return parsePairs(cmd, rest)
	case "RUN", "COPY", "ADD", "FROM", "CMD", "ENTRYPOINT":
		flags, rest := leadingFlags(rest)
		args, err := commandArgs(rest)
		if err != nil {
			return nil, err
		}
		return []Instruction{{Cmd: cmd, Flags: flags, Args: args}}, nil
	default:
		words, err := shellWords(rest)
		if err != nil {
			return nil, err
		}
		if cmd == "ARG" && len(words) == 1 {
			if k, v, ok := strings.Cut(words[0], "="); ok {
				return []Instruction{{Cmd: cmd, Args: []string{k, v}}}, nil
			}
		}
		return []Instruction{{Cmd: cmd, Args: words}}, nil
	}
}

// leadingFlags splits off the --name[=value] options that precede an instruction's arguments.
func leadingFlags(rest string) ([]string, string) {
	var flags []string
	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		flags = append(flags, flag)
		rest = strings.TrimSpace(after)
	}
	return flags, rest
}

// commandArgs reads the JSON (exec) form, or else shell words.
func commandArgs(rest string) ([]string, error) {
	if strings.HasPrefix(rest, "[") {
		var args []string
		if err := json.Unmarshal([]byte(rest), &args); err == nil {
			return args, nil
		}
	}
	return shellWords(rest)
}

// parsePairs reads ENV and LABEL: KEY=VALUE pairs (values with Docker's quote removal), or the
// legacy `ENV KEY value of the rest of the line`.
func parsePairs(cmd, rest string) ([]Instruction, error) {
	words, err := shellWords(rest)
	if err != nil {
		return nil, err
	}
	if len(words) > 0 && !strings.Contains(words[0], "=") {
		key, value, _ := strings.Cut(rest, " ")
		return []Instruction{{Cmd: cmd, Args: []string{key, strings.TrimSpace(value)}}}, nil
	}
	var out []Instruction
	for _, w := range words {
		key, value, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not KEY=VALUE", cmd, w)
		}
		out = append(out, Instruction{Cmd: cmd, Args: []string{key, value}})
	}
	return out, nil
}

// shellWords splits s into words as a POSIX shell does (and Docker's ENV parser, which follows
// the same quoting rules): single quotes are literal, double quotes keep the backslash only
// before \ " $ ` and newline, a bare backslash escapes the next character. Operators are left
// inside words: the comparison only needs both sides split the same way.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\\\"$`\n", s[j+1]) >= 0 {
					j++
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated double quote in %q", s)
			}
			i = j
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Lines renders instructions one per line, for diffs.
func Lines(ins []Instruction) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.String()
	}
	return out
}

// Equal reports whether two normalised Dockerfiles are the same.
func Equal(a, b []Instruction) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// UnifiedDiff shows how b differs from a, line by line, with every line as context (the files
// are short): "-" lines are only in a, "+" lines only in b.
func UnifiedDiff(nameA, nameB string, a, b []string) string {
	// Longest common subsequence, then a walk that prints removals before additions.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j >= len(b) || (i < len(a) && lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}
