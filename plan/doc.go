// Package plan turns resolved Docker settings into the ordered list of layers of one image,
// following ZenML's order: parent (or Dockerfile) → build-time env → apt → installer →
// requirement sources (local environment, stack, integrations, pyproject, explicit) → code →
// local project install → user → runtime env.
//
// A Plan is pure data: it says what each layer does, which inputs it reads and what
// invalidates it. The layers package executes it on Dagger; Dockerfile renders the same plan
// as the Dockerfile ZenML would generate, for inspection and for benchmarks. Nothing here
// talks to an engine, so the whole package is unit-tested anywhere.
package plan
