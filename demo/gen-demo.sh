#!/usr/bin/env bash
# Regenerates demo/cluster/: a copied multi-node support dump (one folder per node, real node paths
# below it, plus manifests/ as `kubectl get -o yaml` would save them) that reproduces the failure
# stories in demo/README.md. Idempotent: wipes demo/cluster first. Real openssl for every blob.
# Validity dates are fixed relative to demo/REFERENCE_TIME (2026-12-01T00:00:00Z).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="$HERE/cluster"
# shellcheck source=../test/fixtures/lib.sh
source "$REPO/test/fixtures/lib.sh"

REF="2026-12-01T00:00:00Z"
printf '%s\n' "$REF" > "$HERE/REFERENCE_TIME"
export FX_AT="$REF"

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"

source "$HERE/gen-kubeadm.sh"
source "$HERE/gen-k3s.sh"
source "$HERE/gen-kubeedge.sh"
source "$HERE/gen-manifests.sh"

size_kb="$(( $(du -sb "$OUT" | cut -f1) / 1024 ))"
[[ "$size_kb" -lt 1024 ]] || { echo "demo/cluster is ${size_kb} KB, over the 1 MB budget" >&2; exit 1; }
echo "demo/cluster: $(find "$OUT" -type f | wc -l) files, $(find "$OUT" -type l | wc -l) symlinks, ${size_kb} KB"
