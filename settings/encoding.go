package settings

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// checkText refuses a file that is not UTF-8 or holds characters YAML forbids, naming the line
// and column of the first bad byte. yaml.v3 reports both without any position ("control
// characters are not allowed"), and a caller that converts the bytes to a Go string first would
// silently turn invalid bytes into U+FFFD; Load is given the raw bytes to see them.
func checkText(file string, data []byte) *Error {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return &Error{File: file, Line: 1, Column: 1, Message: "the file is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8",
			Fix: "save the file as UTF-8"}
	}
	for offset := 0; offset < len(data); {
		r, size := utf8.DecodeRune(data[offset:])
		switch {
		case r == utf8.RuneError && size <= 1:
			line, col := lineColumn(data, offset)
			return &Error{File: file, Line: line, Column: col,
				Message: fmt.Sprintf("not valid UTF-8: byte 0x%02X at offset %d is not part of a UTF-8 character", data[offset], offset),
				Fix:     "save the file as UTF-8; it was probably saved in a legacy encoding such as Latin-1 or Windows-1252"}
		case !yamlAllows(r):
			line, col := lineColumn(data, offset)
			fix := "remove it; most editors do not show it, so delete the character at that column"
			if r == 0 {
				fix = "remove it; a file full of NUL bytes is probably UTF-16: save it as UTF-8"
			}
			what := describeControl(r)
			if !unicode.IsControl(r) {
				what = fmt.Sprintf("the character U+%04X", r)
			}
			return &Error{File: file, Line: line, Column: col,
				Message: fmt.Sprintf("%s is not allowed in a YAML file (offset %d)", what, offset), Fix: fix}
		}
		offset += size
	}
	return nil
}

// yamlAllows reports whether YAML 1.2 allows r in a document (its printable set, as yaml.v3's
// reader checks it).
func yamlAllows(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r == 0x85:
		return true
	case r >= 0xa0 && r <= 0xd7ff:
		return true
	case r >= 0xe000 && r <= 0xfffd:
		return true
	case r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// lineColumn converts a byte offset into a 1-based line and a 1-based column counted in
// characters, as editors show them.
func lineColumn(data []byte, offset int) (line, col int) {
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[lineStart:]) + 1
}
