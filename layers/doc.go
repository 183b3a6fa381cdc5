// Package layers executes a build plan on Dagger: one small function per layer kind, composed
// with Container.With. It decides how each layer runs (cache volumes, mounted inputs, secret
// variables, ownership); what to build was decided by the plan package.
//
// It is the only package, with main, that talks to the engine.
package layers

import "dagger/stepimage/internal/dagger"

// dag is the module's client; Connect returns the process-wide one.
var dag = dagger.Connect()
