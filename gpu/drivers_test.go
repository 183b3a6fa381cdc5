package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequiredDriver(t *testing.T) {
	tests := []struct {
		cuda, full, floor string
		ok                bool
	}{
		{"11.8", "520.61.05", "450.80.02", true},
		{"11.8.0", "520.61.05", "450.80.02", true},
		{"12.0", "525.60.13", "525.60.13", true},
		{"12.1.1", "530.30.02", "525.60.13", true},
		{"12.2", "535.54.03", "525.60.13", true},
		{"12.4", "550.54.14", "525.60.13", true},
		{"12.8", "570.26", "525.60.13", true},
		{"13.0", "580.65.06", "580.65.06", true},
		{"11.0", "450.51.05", "450.51.05", true}, // 11.0 GA predates the 11.x floor
		{"10.2", "440.33", "440.33", true},       // no minor-version compatibility before 11
		{"12", "", "525.60.13", true},            // only the major known
		{"12.7", "", "525.60.13", true},          // no such release: floor only
		{"9.0", "", "", false},
		{"junk", "", "", false},
	}
	for _, tt := range tests {
		req, ok := RequiredDriver(tt.cuda)
		if ok != tt.ok || req.Full != tt.full || req.MinorCompat != tt.floor {
			t.Errorf("RequiredDriver(%q) = %+v, %v; want full %q floor %q ok %v", tt.cuda, req, ok, tt.full, tt.floor, tt.ok)
		}
	}
}

func TestJudgeDriver(t *testing.T) {
	tests := []struct {
		cuda, driver string
		want         DriverVerdict
	}{
		{"12.1", "535.104.05", DriverOK},
		{"12.1", "530.30.02", DriverOK}, // exactly the minimum
		{"12.4", "535.104.05", DriverMinorCompat},
		{"12.4", "525.60.13", DriverMinorCompat}, // exactly the floor
		{"12.1", "525.60.12", DriverTooOld},
		{"12.1", "470.82.01", DriverTooOld},
		{"11.8", "470.82.01", DriverMinorCompat},
		{"11.8", "450.80.02", DriverMinorCompat},
		{"11.8", "450.51.06", DriverTooOld},
		{"13.0", "570.124.06", DriverTooOld}, // a 12.x driver cannot run CUDA 13
		{"13.0", "580.65.06", DriverOK},
		{"12.8", "570.26", DriverOK},
		{"10.2", "418.39", DriverTooOld},
		{"12", "535.104.05", DriverFloorOnlyMet},
		{"12", "470.0", DriverTooOld},
		{"9.2", "535.104.05", DriverUnknownCUDA},
		{"12.1", "latest", DriverUnparseable},
	}
	for _, tt := range tests {
		if got, _ := JudgeDriver(tt.cuda, tt.driver); got != tt.want {
			t.Errorf("JudgeDriver(%q, %q) = %s, want %s", tt.cuda, tt.driver, got, tt.want)
		}
	}
}

func TestDriverTableSortedAndConsistent(t *testing.T) {
	rows := DriverTable()
	if len(rows) != len(fullDriverMin) {
		t.Fatalf("rows = %d, want %d", len(rows), len(fullDriverMin))
	}
	for i := 1; i < len(rows); i++ {
		if c, _ := CompareVersions(rows[i-1].CUDA, rows[i].CUDA); c >= 0 {
			t.Errorf("not sorted: %s before %s", rows[i-1].CUDA, rows[i].CUDA)
		}
		// A newer toolkit never needs an older driver.
		if c, _ := CompareVersions(rows[i-1].Full, rows[i].Full); c > 0 {
			t.Errorf("CUDA %s needs %s but older CUDA %s needs %s", rows[i].CUDA, rows[i].Full, rows[i-1].CUDA, rows[i-1].Full)
		}
	}
	for _, r := range rows {
		if c, _ := CompareVersions(r.MinorCompat, r.Full); c > 0 {
			t.Errorf("CUDA %s: floor %s above full %s", r.CUDA, r.MinorCompat, r.Full)
		}
	}
}

// The driver table in docs/gpu.md must match the code's.
func TestDocsDriverTableMatches(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "gpu.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range DriverTable() {
		row := fmt.Sprintf("| %s | %s | %s |", r.CUDA, r.Full, r.MinorCompat)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/gpu.md lacks row %q", row)
		}
	}
	if n := strings.Count(string(doc), "\n| 1"); n != len(fullDriverMin) {
		t.Errorf("docs/gpu.md has %d table rows starting with CUDA 1x, code has %d", n, len(fullDriverMin))
	}
}
