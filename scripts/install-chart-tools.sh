#!/usr/bin/env bash
# Installs what scripts/check-chart.sh needs, from package registries only (CI cannot reach
# release downloads or GitHub):
#   helm, kubeconform   built from the Go module proxy with `go install`   -> $GOBIN or ./.cache/bin
#   Kubernetes JSON schemas for kubeconform, from the PyPI package kubernetes-validate (it ships
#                       the schemas of Kubernetes 1.25-1.37)               -> ./.cache/k8s-schemas
#   npm packages for what kubeconform cannot check (scripts/validate-chart-extras.ts):
#                       @kubernetes-models/prometheus-operator (ServiceMonitor; kubernetes-validate
#                       has no CRD schemas) and @prometheus-io/lezer-promql (dashboard queries)
#                                                                           -> ./.cache/chart-tools
# Idempotent: what is already there at the pinned version is kept. Prints where each tool is.
#
# Measured on 2 cores: 3m24s from nothing (empty Go module and build caches: helm 199 s, kubeconform
# 5 s, the rest a few seconds); helm 130 s with only the module cache warm; 0.1 s when all is there.
set -euo pipefail

HELM_MODULE="${HELM_MODULE:-helm.sh/helm/v3}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
# Kubernetes versions whose schemas are unpacked; check-chart.sh validates against each.
KUBERNETES_VERSIONS="${KUBERNETES_VERSIONS:-1.30.0 1.37.0}"
PROMETHEUS_OPERATOR_MODELS_VERSION="${PROMETHEUS_OPERATOR_MODELS_VERSION:-6.0.0}"
LEZER_PROMQL_VERSION="${LEZER_PROMQL_VERSION:-0.315.0}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache"
bin_dir="${GOBIN:-$cache/bin}"
mkdir -p "$bin_dir"
bin_dir="$(cd "$bin_dir" && pwd)"

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-chart-tools: $1 is required" >&2; exit 1; }; }
need go
need python3
need bun

# The version an installed tool reports; empty when it is absent or broken.
helm_version() { if [ -x "$bin_dir/helm" ]; then "$bin_dir/helm" version --template '{{.Version}}' 2>/dev/null || true; fi; }
kubeconform_version() { if [ -x "$bin_dir/kubeconform" ]; then "$bin_dir/kubeconform" -v 2>/dev/null || true; fi; }

timed() { # timed LABEL COMMAND...
  local label=$1 started=$SECONDS; shift
  echo "install-chart-tools: $label" >&2
  "$@"
  echo "install-chart-tools: $label took $((SECONDS - started))s" >&2
}

if [ "$(helm_version)" != "$HELM_VERSION" ]; then
  # Stamp the version and the default Kubernetes version (one minor past client-go's, as helm's
  # Makefile does); without them `helm template` assumes Kubernetes 1.20.
  gomod="$(go mod download -json "$HELM_MODULE@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  client_go="$(awk '$1 == "k8s.io/client-go" { print $2 }' "$gomod")"   # e.g. v0.37.0
  kube_minor="$(echo "$client_go" | cut -d. -f2)"
  ldflags="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
  for pkg in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X $HELM_MODULE/$pkg.k8sVersionMajor=1 -X $HELM_MODULE/$pkg.k8sVersionMinor=$kube_minor"
  done
  timed "go install $HELM_MODULE/cmd/helm@$HELM_VERSION" \
    env GOBIN="$bin_dir" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$HELM_MODULE/cmd/helm@$HELM_VERSION"
fi

if [ "$(kubeconform_version)" != "$KUBECONFORM_VERSION" ]; then
  timed "go install github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    env GOBIN="$bin_dir" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w -X main.version=$KUBECONFORM_VERSION" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi

# kubernetes-validate's schemas reference a shared _definitions.json by an absolute URL
# (https://kubernetes.io/api/_definitions.json via $id) that kubeconform would try to fetch. Drop the
# $id and make the reference relative, so kubeconform resolves it next to the schema, offline.
schemas="$cache/k8s-schemas"
stamp="$schemas/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION-$(echo "$KUBERNETES_VERSIONS" | tr ' ' '_')"
if [ ! -e "$stamp" ]; then
  unpack_schemas() {
    local wheels="$cache/wheels"
    mkdir -p "$wheels"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    rm -rf "$schemas"
    # shellcheck disable=SC2086 # one argument per Kubernetes version
    python3 - "$wheels/kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-py3-none-any.whl" "$schemas" \
      $KUBERNETES_VERSIONS <<'PY'
import json, os, sys, zipfile
wheel, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
archive = zipfile.ZipFile(wheel)
prefix = "kubernetes_validate/kubernetes-json-schema/"
for version in versions:
    for flavour in ("local", "local-strict"):
        src = f"{prefix}v{version}-{flavour}/"
        dst = os.path.join(out, f"v{version}-{flavour}")
        names = [n for n in archive.namelist() if n.startswith(src) and n.endswith(".json")]
        if not names:
            sys.exit(f"kubernetes-validate has no schemas for Kubernetes {version}")
        os.makedirs(dst, exist_ok=True)
        for name in names:
            doc = json.loads(archive.read(name))
            doc.pop("$id", None)
            text = json.dumps(doc).replace('"/api/_definitions.json#', '"_definitions.json#')
            with open(os.path.join(dst, name[len(src):]), "w") as f:
                f.write(text)
PY
    touch "$stamp"
  }
  timed "Kubernetes schemas from kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" unpack_schemas
fi

validator="$cache/chart-tools"
validator_stamp="$validator/.prometheus-operator-$PROMETHEUS_OPERATOR_MODELS_VERSION-lezer-promql-$LEZER_PROMQL_VERSION"
if [ ! -e "$validator_stamp" ]; then
  install_validator() {
    rm -rf "$validator"
    mkdir -p "$validator"
    echo '{ "name": "chart-tools", "private": true }' > "$validator/package.json"
    (cd "$validator" && bun add --silent \
      "@kubernetes-models/prometheus-operator@$PROMETHEUS_OPERATOR_MODELS_VERSION" \
      "@prometheus-io/lezer-promql@$LEZER_PROMQL_VERSION")
    touch "$validator_stamp"
  }
  timed "npm: @kubernetes-models/prometheus-operator@$PROMETHEUS_OPERATOR_MODELS_VERSION @prometheus-io/lezer-promql@$LEZER_PROMQL_VERSION" install_validator
fi

echo "helm=$bin_dir/helm ($(helm_version))"
echo "kubeconform=$bin_dir/kubeconform ($(kubeconform_version))"
echo "k8s-schemas=$schemas (Kubernetes $KUBERNETES_VERSIONS, kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
echo "chart-tools=$validator (@kubernetes-models/prometheus-operator $PROMETHEUS_OPERATOR_MODELS_VERSION, @prometheus-io/lezer-promql $LEZER_PROMQL_VERSION)"
