package gpu

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"535.104.05", "535.54.03", 1}, // numeric, not lexical
		{"535.54.03", "535.104.05", -1},
		{"570.26", "570.26.00", 0}, // missing components are 0
		{"12.1", "12.1.0", 0},
		{"12", "12.0", 0},
		{"12.10", "12.9", 1},
		{"525.60.13", "525.60.13", 0},
		{"450.80.02", "450.51.05", 1},
		{"11.8", "12.0", -1},
	}
	for _, tt := range tests {
		got, err := CompareVersions(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
}

func TestParseVersionRejects(t *testing.T) {
	for _, s := range []string{"", "12.", ".1", "2.4.0+cu121", "v12", "12.x", "535.104.05 "} {
		if s == "535.104.05 " { // surrounding space is tolerated
			if _, err := ParseVersion(s); err != nil {
				t.Errorf("ParseVersion(%q) = %v, want ok", s, err)
			}
			continue
		}
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want error", s, v)
		}
	}
	if _, err := CompareVersions("abc", "1"); err == nil {
		t.Error("CompareVersions with invalid input: want error")
	}
}

func TestCUDAMajorMinor(t *testing.T) {
	for in, want := range map[string]string{
		"12.1.105": "12.1", "12.1": "12.1", "12": "12", "11.8.89": "11.8", "": "", "x": "",
	} {
		if got := CUDAMajorMinor(in); got != want {
			t.Errorf("CUDAMajorMinor(%q) = %q, want %q", in, got, want)
		}
	}
	if v, _ := ParseVersion("535.104.05"); v.String() != "535.104.5" {
		t.Errorf("String = %q", v.String())
	}
}
