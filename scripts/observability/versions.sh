# Versions of the observability backends MetroX builds from Go modules.
# Sourced by the build and start scripts; override any of them from the environment.
#
# Jaeger v2 lives in the Go module github.com/jaegertracing/jaeger, whose tags keep
# the v1 numbering: module v1.76.0 is the release published as Jaeger v2.13.0
# (its CHANGELOG pairs "v1.76.0 / v2.13.0"). The v2 binary is its cmd/jaeger.
: "${JAEGER_MODULE_VERSION:=v1.76.0}"
: "${JAEGER_VERSION:=v2.13.0}"
: "${METROX_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/metrox}"
export JAEGER_MODULE_VERSION JAEGER_VERSION METROX_CACHE
