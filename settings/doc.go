// Package settings loads ZenML-style run configurations and DockerSettings documents and turns
// them into concrete, validated build settings ([Resolved]) for one step or for every distinct
// image of a pipeline.
//
// The package is pure Go on purpose: it never imports Dagger, so everything about *what* to build
// is decided and unit-tested here, without an engine.
//
// Data flows one way:
//
//	Load / LoadFile ─► Config (pipeline + steps, YAML positions kept)
//	Config.Resolve(step, vars) ─► merge step over pipeline, defaults, ${VAR}, validation ─► Resolved
//	Config.Images(vars) ─► one Image per distinct Resolved, with the steps that share it
//
// Deprecated ZenML fields are migrated while loading (each with a Warning in Config.Warnings);
// Resolve and Images return only the warnings that resolution itself finds, so a caller prints
// Config.Warnings once and the resolution warnings next to them.
//
// Every problem is reported with the file, the YAML line and column when known, the field path
// as the user wrote it (e.g. steps.train.settings.docker.apt_packages[1]) and, when there is one,
// the fix. Load and Resolve collect all problems they find ([Errors]) rather than stopping at the
// first.
package settings
