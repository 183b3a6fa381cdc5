// Package main is the stepimage Dagger module: it builds the container images of ML pipeline
// steps from ZenML-style Docker settings (pipeline-level settings.docker, per-step overrides),
// layer by layer, with cache volumes instead of --no-cache-dir, secrets kept out of images,
// and content-addressed reuse of published images.
//
// What to build is decided by the engine-free packages settings and plan; these files parse
// arguments, call them, and hand the plan to the layers package.
package main

import (
	"context"
	"fmt"

	"dagger/stepimage/internal/dagger"
	"dagger/stepimage/plan"
	"dagger/stepimage/settings"
)

// Stepimage builds step images from a settings file. Values for ${VAR} placeholders, secrets,
// registry credentials and services are added with the with-* functions before calling build
// or publish: a module cannot read the caller's environment.
type Stepimage struct {
	// The zenml version installed on the default parent image ("" for the version the
	// integration catalogue comes from).
	ZenmlVersion string
	// How requirements are installed: layered (default) or sequential.
	Layout string
	// Values for ${VAR} placeholders.
	Vars []Var
	// +private
	Secrets []SecretVar
	// +private
	RegistryAuths []RegistryAuth
	// +private
	Services []ServiceBinding
}

// New takes what every function shares: the zenml version that images built on the default
// parent get, as ZenML's own default parent image (zenmldocker/zenml:VERSION-pyX.Y) carries it.
func New(
	// zenml version to install on the default parent image, e.g. 0.98.0; default: the version
	// the integration catalogue comes from.
	// +optional
	zenmlVersion string,
	// How requirements are installed. layered: resolve every source as the sequential installs
	// would, then install the resolved packages in buckets, one layer each, so that one added
	// package reinstalls one bucket; sequential: one layer per source, as ZenML's Dockerfile.
	// Both give the same packages.
	// +optional
	// +default="layered"
	layout string,
) (*Stepimage, error) {
	if zenmlVersion != "" && !plan.IsZenMLVersion(zenmlVersion) {
		return nil, fmt.Errorf("--zenml-version %q is not a version: write e.g. %s", zenmlVersion, plan.ZenMLVersion)
	}
	if _, err := plan.ParseLayout(layout); err != nil {
		return nil, fmt.Errorf("--layout: %w", err)
	}
	return &Stepimage{ZenmlVersion: zenmlVersion, Layout: layout}, nil
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
	return m.with(func(next *Stepimage) { next.Vars = append(next.Vars, Var{Name: name, Value: value}) })
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
	return m.with(func(next *Stepimage) { next.Secrets = append(next.Secrets, SecretVar{Name: name, Value: value}) })
}

// WithRegistryAuth adds credentials for a registry, used by publish and its reuse check.
func (m *Stepimage) WithRegistryAuth(
	// Registry host, e.g. ghcr.io.
	address string,
	username string,
	secret *dagger.Secret,
) *Stepimage {
	return m.with(func(next *Stepimage) {
		next.RegistryAuths = append(next.RegistryAuths, RegistryAuth{Address: address, Username: username, Secret: secret})
	})
}

// WithService makes a service reachable from the install steps under an alias, e.g. a private
// package index started in CI: environment: {PIP_INDEX_URL: http://index:8080/simple}.
func (m *Stepimage) WithService(
	// Host name the install steps use.
	alias string,
	service *dagger.Service,
) *Stepimage {
	return m.with(func(next *Stepimage) {
		next.Services = append(next.Services, ServiceBinding{Alias: alias, Service: service})
	})
}

// WithEnvFile gives values to ${NAME} placeholders from a dotenv-style file: NAME=VALUE lines,
// optionally quoted or prefixed with `export`; blank lines and # comments are skipped. Values
// given later (with-env, another file) win.
func (m *Stepimage) WithEnvFile(
	ctx context.Context,
	// The file, e.g. --file=.env
	file *dagger.File,
) (_ *Stepimage, rerr error) {
	defer reported(&rerr)
	name, err := file.Name(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the env file name: %w", err)
	}
	contents, err := file.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	values, err := settings.ParseDotenv(name, contents)
	if err != nil {
		return nil, err
	}
	return m.with(func(next *Stepimage) {
		for _, v := range values {
			next.Vars = append(next.Vars, Var{Name: v.Name, Value: v.Value})
		}
	}), nil
}

// with returns a copy of the state changed by change; the lists are copied, so that one chain
// never shares a backing array with another.
func (m *Stepimage) with(change func(next *Stepimage)) *Stepimage {
	next := Stepimage{ZenmlVersion: m.ZenmlVersion, Layout: m.Layout, Vars: clone(m.Vars), Secrets: clone(m.Secrets), RegistryAuths: clone(m.RegistryAuths), Services: clone(m.Services)}
	change(&next)
	return &next
}

// clone copies a list.
func clone[T any](items []T) []T {
	return append([]T{}, items...)
}

// layout is the install layout the caller chose (validated by New).
func (m *Stepimage) layout() plan.Layout {
	layout, _ := plan.ParseLayout(m.Layout)
	return layout
}
