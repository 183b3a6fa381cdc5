// Package main is the stepimage Dagger module: it builds the container images of ML pipeline
// steps from ZenML-style Docker settings (pipeline-level settings.docker, per-step overrides),
// layer by layer, with cache volumes instead of --no-cache-dir, secrets kept out of images,
// and content-addressed reuse of published images.
//
// What to build is decided by the engine-free packages settings and plan; these files parse
// arguments, call them, and hand the plan to the layers package.
package main

import (
	"dagger/stepimage/internal/dagger"
)

// Stepimage builds step images from a settings file. Values for ${VAR} placeholders, secrets,
// registry credentials and services are added with the with-* functions before calling build
// or publish: a module cannot read the caller's environment.
type Stepimage struct {
	// Values for ${VAR} placeholders.
	Vars []Var
	// +private
	Secrets []SecretVar
	// +private
	RegistryAuths []RegistryAuth
	// +private
	Services []ServiceBinding
}

// Var is a value for the ${NAME} placeholders of environment and runtime_environment.
type Var struct {
	Name  string
	Value string
}

// SecretVar is a secret for the ${NAME} placeholders of environment (build time only).
type SecretVar struct {
	Name  string
	Value *dagger.Secret
}

// RegistryAuth holds credentials for one registry.
type RegistryAuth struct {
	Address  string
	Username string
	Secret   *dagger.Secret
}

// ServiceBinding makes a service reachable from the install steps under an alias.
type ServiceBinding struct {
	Alias   string
	Service *dagger.Service
}

// WithEnv gives a value to the ${NAME} placeholders of environment and runtime_environment.
// A module cannot read the caller's environment: pass values explicitly.
func (m *Stepimage) WithEnv(
	// Placeholder name, as written in ${NAME}.
	name string,
	// Its value.
	value string,
) *Stepimage {
	next := *m
	next.Vars = append(clone(m.Vars), Var{Name: name, Value: value})
	return &next
}

// WithSecret gives a secret to the ${NAME} placeholders of environment (build-time only). The
// value reaches the install steps as a secret variable and is never written to the image, its
// config or the logs. A secret in runtime_environment is refused.
func (m *Stepimage) WithSecret(
	// Placeholder name, as written in ${NAME}.
	name string,
	// The secret, e.g. env://PIP_TOKEN on the command line.
	value *dagger.Secret,
) *Stepimage {
	next := *m
	next.Secrets = append(clone(m.Secrets), SecretVar{Name: name, Value: value})
	return &next
}

// WithRegistryAuth adds credentials for a registry, used by publish and its reuse check.
func (m *Stepimage) WithRegistryAuth(
	// Registry host, e.g. ghcr.io.
	address string,
	username string,
	secret *dagger.Secret,
) *Stepimage {
	next := *m
	next.RegistryAuths = append(clone(m.RegistryAuths), RegistryAuth{Address: address, Username: username, Secret: secret})
	return &next
}

// WithService makes a service reachable from the install steps under an alias, e.g. a private
// package index started in CI: environment: {PIP_INDEX_URL: http://index:8080/simple}.
func (m *Stepimage) WithService(
	// Host name the install steps use.
	alias string,
	service *dagger.Service,
) *Stepimage {
	next := *m
	next.Services = append(clone(m.Services), ServiceBinding{Alias: alias, Service: service})
	return &next
}

// clone copies a state list, so that a with-* call never shares a backing array with another.
func clone[T any](items []T) []T {
	return append([]T{}, items...)
}
