#!/usr/bin/env bash
# Tools the checks need that no registry this project reaches ships as a binary, built once per
# machine into the download cache ($GRIDGOV_CACHE_DIR, shared by every clone) and printed as a
# path, so callers write "$(tools.sh helm)" and a second call builds nothing.
#
#   tools.sh helm    Helm (HELM_VERSION in .env.example): `helm lint` in `make lint`, `helm
#                    template` in tests/ops/test_gateway_config.py. Built from the Go module proxy
#                    (about 3 minutes and 1 GB of modules on a new machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
load_env

helm_path() {
  local dir="$CACHE/tools/helm-$HELM_VERSION" minor
  if [ ! -x "$dir/helm" ]; then
    require go "Go from Debian's packages (apt-get install golang) or go.dev"
    say "helm: building $HELM_VERSION from the Go module proxy into $dir (once per machine)"
    mkdir -p "$dir"
    # A helm built with `go install` would say Kubernetes v1.20 (its default without the release
    # build's flags) and refuse the chart's kubeVersion; name the client-go it is built with.
    minor="$(k8s_minor)"
    GOBIN="$dir" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w \
      -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
      "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$INFRA/logs/helm-build.log" 2>&1 \
      || die "helm: go install failed, see $INFRA/logs/helm-build.log"
  fi
  echo "$dir/helm"
}

k8s_minor() {
  # helm's go.mod pins k8s.io/client-go v0.<minor>.x: the Kubernetes 1.<minor> it speaks.
  local mod
  mod="$(GOFLAGS=-mod=mod go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod" | head -1
}

case "${1:-}" in
  helm) helm_path ;;
  *) echo "usage: tools.sh helm" >&2; exit 2 ;;
esac
