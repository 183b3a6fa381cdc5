package gpu

import (
	"fmt"
	"sort"
	"strconv"
)

// Minimum Linux x86_64 NVIDIA driver versions per CUDA toolkit release.
//
// Source: NVIDIA CUDA Toolkit Release Notes, "CUDA Toolkit and Corresponding
// Driver Versions" (Toolkit Driver Version, Linux x86_64 column) and "CUDA
// Toolkit and Minimum Required Driver Version for CUDA Minor Version
// Compatibility", https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/,
// and https://docs.nvidia.com/deploy/cuda-compatibility/. The same table is in
// docs/gpu.md; keep both in step.
//
// Keys are major.minor and values are the GA release's minimum: an "Update N"
// release sometimes needs a slightly newer driver (12.2 Update 2: 535.104.05),
// but such a driver gap is always inside minor-version compatibility, so at worst
// the GA figure turns an expected warning into none.
var fullDriverMin = map[string]string{
	"10.0": "410.48",
	"10.1": "418.39",
	"10.2": "440.33",
	"11.0": "450.51.05",
	"11.1": "455.23",
	"11.2": "460.27.03",
	"11.3": "465.19.01",
	"11.4": "470.42.01",
	"11.5": "495.29.05",
	"11.6": "510.39.01",
	"11.7": "515.43.04",
	"11.8": "520.61.05",
	"12.0": "525.60.13",
	"12.1": "530.30.02",
	"12.2": "535.54.03",
	"12.3": "545.23.06",
	"12.4": "550.54.14",
	"12.5": "555.42.02",
	"12.6": "560.28.03",
	"12.8": "570.26",
	"12.9": "575.51.03",
	"13.0": "580.65.06",
}

// Minor-version compatibility floors: from CUDA 11 on, an application built with
// any toolkit of a major family runs (with a limited feature set: no PTX JIT of
// newer PTX, no new driver APIs) on a driver at or above the family's floor.
// Before CUDA 11 there is no such floor: the full minimum applies.
var minorCompatDriverMin = map[int]string{
	11: "450.80.02",
	12: "525.60.13",
	13: "580.65.06",
}

// DriverRequirement says which host driver a CUDA version needs.
type DriverRequirement struct {
	CUDA string // the CUDA version asked about, as given
	// Full is the driver that supports every feature of this release; "" when the
	// release is not in the table (unknown minor, or only a major is known).
	Full string
	// MinorCompat is the lowest driver that runs it through minor-version
	// compatibility; equals Full before CUDA 11 (no such compatibility).
	MinorCompat string
}

// RequiredDriver looks a CUDA version ("12.1", "12.1.1", "12") up in the table.
// ok is false when neither a full minimum nor a minor-compatibility floor is known.
func RequiredDriver(cuda string) (req DriverRequirement, ok bool) {
	req.CUDA = cuda
	major := cudaMajor(cuda)
	if major < 0 {
		return req, false
	}
	req.Full = fullDriverMin[CUDAMajorMinor(cuda)]
	req.MinorCompat = minorCompatDriverMin[major]
	switch {
	case req.MinorCompat == "":
		req.MinorCompat = req.Full
	case req.Full != "":
		// 11.0 GA shipped with 450.51.05, below the 11.x floor of 450.80.02; an
		// 11.0 build needs only its own minimum.
		if c, _ := CompareVersions(req.Full, req.MinorCompat); c < 0 {
			req.MinorCompat = req.Full
		}
	}
	return req, req.Full != "" || req.MinorCompat != ""
}

// DriverVerdict is the outcome of comparing a host driver with a CUDA version.
type DriverVerdict string

const (
	DriverOK           DriverVerdict = "ok"            // at or above the full minimum
	DriverMinorCompat  DriverVerdict = "minor-compat"  // runs via minor-version compatibility
	DriverTooOld       DriverVerdict = "too-old"       // below the minor-compatibility floor
	DriverUnknownCUDA  DriverVerdict = "unknown-cuda"  // CUDA version not in the table
	DriverUnparseable  DriverVerdict = "unparseable"   // driver or CUDA version did not parse
	DriverFloorOnlyMet DriverVerdict = "floor-only-ok" // only the family floor is known, and met
)

// JudgeDriver compares a host driver version with what a CUDA version needs.
func JudgeDriver(cuda, driver string) (DriverVerdict, DriverRequirement) {
	req, ok := RequiredDriver(cuda)
	if !ok {
		return DriverUnknownCUDA, req
	}
	if _, err := ParseVersion(driver); err != nil {
		return DriverUnparseable, req
	}
	if c, _ := CompareVersions(driver, req.MinorCompat); c < 0 {
		return DriverTooOld, req
	}
	if req.Full == "" {
		return DriverFloorOnlyMet, req
	}
	if c, _ := CompareVersions(driver, req.Full); c < 0 {
		return DriverMinorCompat, req
	}
	return DriverOK, req
}

// DriverTableRow is one row of the embedded table, for docs and reports.
type DriverTableRow struct {
	CUDA        string
	Full        string
	MinorCompat string
}

// DriverTable returns the embedded table sorted by CUDA version.
func DriverTable() []DriverTableRow {
	rows := make([]DriverTableRow, 0, len(fullDriverMin))
	for cuda := range fullDriverMin {
		req, _ := RequiredDriver(cuda)
		rows = append(rows, DriverTableRow{CUDA: cuda, Full: req.Full, MinorCompat: req.MinorCompat})
	}
	sort.Slice(rows, func(i, j int) bool {
		c, _ := CompareVersions(rows[i].CUDA, rows[j].CUDA)
		return c < 0
	})
	return rows
}

func (r DriverRequirement) describe() string {
	switch {
	case r.Full != "" && r.Full != r.MinorCompat:
		return fmt.Sprintf("CUDA %s needs driver >= %s (>= %s through CUDA %s.x minor-version compatibility)",
			r.CUDA, r.Full, r.MinorCompat, strconv.Itoa(cudaMajor(r.CUDA)))
	case r.Full != "":
		return fmt.Sprintf("CUDA %s needs driver >= %s", r.CUDA, r.Full)
	default:
		return fmt.Sprintf("CUDA %s.x needs driver >= %s (minor-version compatibility floor)",
			strconv.Itoa(cudaMajor(r.CUDA)), r.MinorCompat)
	}
}
