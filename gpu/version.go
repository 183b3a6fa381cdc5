package gpu

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a dotted numeric version: a CUDA version (12.1, 12.1.105) or an
// NVIDIA driver version (535.104.05, 570.26). Driver versions are compared
// numerically per component, so "535.104.05" > "535.54.03" although a string
// comparison would say otherwise.
type Version []int

// ParseVersion parses a dotted numeric version. Leading zeros in a component are
// allowed ("05"), anything else that is not a digit or a dot is an error, so
// callers strip local tags (+cu121) and suffixes first.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty version")
	}
	parts := strings.Split(s, ".")
	v := make(Version, 0, len(parts))
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("version %q: empty component", s)
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return nil, fmt.Errorf("version %q: component %q is not a number", s, p)
			}
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("version %q: %w", s, err)
		}
		v = append(v, n)
	}
	return v, nil
}

// Compare returns -1, 0 or 1. Missing components count as 0, so 12.1 == 12.1.0.
func (v Version) Compare(w Version) int {
	n := max(len(v), len(w))
	for i := range n {
		a, b := 0, 0
		if i < len(v) {
			a = v[i]
		}
		if i < len(w) {
			b = w[i]
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
	}
	return 0
}

// String renders the version in dotted form (leading zeros are not preserved).
func (v Version) String() string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// CompareVersions parses and compares two dotted versions.
func CompareVersions(a, b string) (int, error) {
	va, err := ParseVersion(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseVersion(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// CUDAMajorMinor reduces a CUDA version to what compatibility depends on:
// "12.1.105" -> "12.1", "12.1" -> "12.1", "12" -> "12". Invalid input gives "".
func CUDAMajorMinor(s string) string {
	v, err := ParseVersion(s)
	if err != nil {
		return ""
	}
	if len(v) > 2 {
		v = v[:2]
	}
	return v.String()
}

// cudaMajor returns the major of a CUDA version, or -1 when it does not parse.
func cudaMajor(s string) int {
	v, err := ParseVersion(s)
	if err != nil {
		return -1
	}
	return v[0]
}

// versionDepth is the number of components, used to prefer the more precise of
// two sources that agree on the major ("12.1.105" over "12").
func versionDepth(s string) int {
	v, err := ParseVersion(s)
	if err != nil {
		return 0
	}
	return len(v)
}
