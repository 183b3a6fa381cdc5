// Package zenmldiff compares the Dockerfiles stepimage renders with those ZenML itself generates
// for the same run configurations: a differential test against ZenML's real code.
//
// hack/zenml/dockerfiles.py runs ZenML (compiler, settings merge, PipelineDockerImageBuilder) on
// each configuration and writes its Dockerfiles, or its refusals, as JSON. The test in
// zenml_test.go (build tag zenml; hack/zenml/difftest.sh runs everything) renders stepimage's
// Dockerfile for every image, normalises both (Parse), removes the deliberate, documented
// deviations (Deviations) and fails on any other difference, printing a unified diff.
//
// The parser, the normalisation and the deviation table are plain Go with unit tests of their
// own, so that they can be checked without ZenML.
package zenmldiff
