// Package deploytest checks poolguard's deployment files with the parsers
// of the tools that read them: the Dockerfile with BuildKit's parser, the
// Helm chart with Helm's own renderer, each rendered manifest decoded
// strictly into the Kubernetes API types.
//
// It is a module of its own so that Helm, Kubernetes and BuildKit stay out
// of the product's go.mod; scripts/test.sh runs its tests.
package deploytest
