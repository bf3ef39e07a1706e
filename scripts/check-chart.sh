#!/usr/bin/env bash
# Lints, renders and validates the Helm chart, offline:
#   1. helm lint --strict, once per values file in chart/ci/;
#   2. helm template for each values file and each Kubernetes version (KUBERNETES_VERSIONS);
#   3. kubeconform -strict against the Kubernetes JSON schemas that scripts/install-chart-tools.sh
#      unpacked from the PyPI package kubernetes-validate (no schema download: CI reaches no GitHub);
#   4. scripts/validate-chart-extras.ts: the ServiceMonitor against prometheus-operator's types,
#      and the Grafana dashboard's PromQL and metric coverage.
# Rendered manifests are left in .cache/chart-render/ for inspection and for test/chart.test.ts.
# Exits non-zero on the first failing step. Run scripts/install-chart-tools.sh first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
KUBERNETES_VERSIONS="${KUBERNETES_VERSIONS:-1.30.0 1.37.0}"
chart=chart
out=.cache/chart-render
schemas=.cache/k8s-schemas

find_tool() { # the tool in $GOBIN, .cache/bin, or PATH
  local dir
  for dir in ${GOBIN:+"$GOBIN"} "$root/.cache/bin"; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return; }
  done
  command -v "$1" || { echo "check-chart: $1 not found; run scripts/install-chart-tools.sh" >&2; exit 1; }
}
helm="$(find_tool helm)"
kubeconform="$(find_tool kubeconform)"
for v in $KUBERNETES_VERSIONS; do
  [ -d "$schemas/v$v-local-strict" ] ||
    { echo "check-chart: no schemas for Kubernetes $v in $schemas; run scripts/install-chart-tools.sh" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out"
shopt -s nullglob
values_files=("$chart"/ci/*-values.yaml)
[ ${#values_files[@]} -gt 0 ] || { echo "check-chart: no $chart/ci/*-values.yaml" >&2; exit 1; }

echo "== helm lint"
for values in "${values_files[@]}"; do
  "$helm" lint --strict "$chart" -f "$values"
done

echo "== helm template + kubeconform"
rendered=()
for values in "${values_files[@]}"; do
  name="$(basename "$values" -values.yaml)"
  for v in $KUBERNETES_VERSIONS; do
    file="$out/$name-k8s-$v.yaml"
    "$helm" template llm-gateway "$chart" --namespace llm-gateway -f "$values" --kube-version "$v" > "$file"
    echo "-- $file (Kubernetes $v)"
    # ServiceMonitor is a CRD kubernetes-validate has no schema for: step 4 checks it instead.
    "$kubeconform" -strict -summary -kubernetes-version "$v" \
      -schema-location "$schemas/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json" \
      -skip monitoring.coreos.com/v1/ServiceMonitor \
      "$file"
    rendered+=("$file")
  done
done

echo "== ServiceMonitor and dashboards"
bun scripts/validate-chart-extras.ts "${rendered[@]}" "$chart"/dashboards/*.json

echo "check-chart: OK (${#values_files[@]} values files x Kubernetes $KUBERNETES_VERSIONS)"
