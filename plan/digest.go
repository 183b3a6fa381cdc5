package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"dagger/stepimage/settings"
)

// Label keys. OCI's base-image annotations are used where they exist.
const (
	LabelBaseName       = "org.opencontainers.image.base.name"
	LabelBaseDigest     = "org.opencontainers.image.base.digest"
	LabelSteps          = "io.stepimage.steps"
	LabelSettingsDigest = "io.stepimage.settings-digest"
	LabelContentDigest  = "io.stepimage.content-digest"
	LabelInstaller      = "io.stepimage.installer"
	LabelCodeIncluded   = "io.stepimage.code-included"
	LabelCodeDownload   = "io.stepimage.code-download"
)

// AnnotatedLabels also go on the manifest as annotations, so that registries show them
// without pulling the image.
var AnnotatedLabels = []string{LabelBaseName, LabelBaseDigest, LabelContentDigest, LabelSteps}

// Labels are the labels every built image carries: what produced it and whether the runner
// must fetch the code itself. The base digest and content digest are only known at build
// time and are added by the layers package.
func Labels(r *settings.Resolved) map[string]string {
	labels := map[string]string{
		LabelSettingsDigest: SettingsDigest(r),
		LabelInstaller:      string(r.Installer),
		LabelCodeIncluded:   strconv.FormatBool(r.AllowIncludingFilesInImages),
	}
	if r.Dockerfile == "" {
		labels[LabelBaseName] = r.ParentImage
	}
	if len(r.Steps) > 0 {
		labels[LabelSteps] = strings.Join(r.Steps, ",")
	}
	if !r.AllowIncludingFilesInImages {
		var from []string
		if r.AllowDownloadFromCodeRepository {
			from = append(from, "code_repository")
		}
		if r.AllowDownloadFromArtifactStore {
			from = append(from, "artifact_store")
		}
		if len(from) == 0 {
			from = append(from, "none")
		}
		labels[LabelCodeDownload] = strings.Join(from, ",")
	}
	return labels
}

// SettingsDigest is a sha256 over the resolved settings as sorted JSON. prevent_build_reuse is
// left out, as in ZenML: asking for a fresh build must not change what the build is; so are
// the resources, which ZenML does not group images by: steps that differ only in what they
// request run in one image.
func SettingsDigest(r *settings.Resolved) string {
	copied := *r
	copied.PreventBuildReuse = false
	copied.Resources = settings.ResolvedResources{}
	data, err := json.Marshal(&copied)
	if err != nil {
		// Resolved holds only JSON-safe values; failing here is a programming error.
		panic(fmt.Sprintf("encoding resolved settings: %v", err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ContentDigest combines the settings digest with the digests of every input the build reads
// (parent image digest, source tree, requirement files, Dockerfile, exports): equal digests mean
// an equal image, so a registry tag derived from it can be reused without building.
func ContentDigest(r *settings.Resolved, inputs map[string]string) string {
	// JSON pairs, not name=value lines: no name or value can imitate another input.
	pairs := [][2]string{{"settings", SettingsDigest(r)}}
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		pairs = append(pairs, [2]string{name, inputs[name]})
	}
	data, err := json.Marshal(pairs)
	if err != nil {
		panic(fmt.Sprintf("encoding input digests: %v", err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ContentTag is the registry tag derived from a content digest.
func ContentTag(contentDigest string) string {
	if len(contentDigest) > 32 {
		contentDigest = contentDigest[:32]
	}
	return "sha256-" + contentDigest
}
