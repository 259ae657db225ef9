# Versions of the software the stand-in images are built from, where it does not come
# from Debian's packages. Sourced by the stand-in scripts; override from the environment.
#
# Jaeger v2.13.0 is the binary scripts/observability/build.sh builds (its versions.sh
# holds JAEGER_VERSION and JAEGER_MODULE_VERSION). The Collector takes the collector
# and collector-contrib versions that Jaeger's go.mod pins, so both builds share the
# Go module and build caches. Prometheus is built from its Go module because Debian's
# package (2.42) is compiled without Kubernetes service discovery, which the chart's
# scrape configuration needs; module v0.55.1 is the release published as v2.55.1.
. "$(dirname "${BASH_SOURCE[0]}")/../../observability/versions.sh"
: "${PROMETHEUS_VERSION:=v2.55.1}"
: "${PROMETHEUS_MODULE_VERSION:=v0.55.1}"
export PROMETHEUS_VERSION PROMETHEUS_MODULE_VERSION
