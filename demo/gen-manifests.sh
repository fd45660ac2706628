# Sourced by gen-demo.sh (cwd = demo/cluster, after gen-kubeadm.sh and gen-kubeedge.sh):
# manifests/ as saved with `kubectl get -o yaml`. Certificates and CSRs come from openssl;
# write-manifests.mjs only wraps them in Kubernetes objects.
MI="$FX_WORK/manifests-in"
mkdir -p "$MI" manifests
cp "$PKI/ca.crt" "$MI/cluster-ca.crt"

# Story "pending kubelet-serving CSR" (Talos): talos-worker-1 asked 4 h before the reference time and
# nobody approved (Talos needs rotate-server-certificates plus an approver such as kubelet-csr-approver).
fx_key_traditional p256 "$MI/talos-worker-1.key"
openssl req -new -key "$MI/talos-worker-1.key" -subj "/O=system:nodes/CN=system:node:talos-worker-1" \
  -addext "subjectAltName=DNS:talos-worker-1,IP:10.0.0.31" -out "$MI/talos-worker-1.csr"
openssl req -in "$MI/talos-worker-1.csr" -noout -verify 2>/dev/null
# The approved + issued renewal of cp-1's kubelet client certificate (silent).
openssl req -new -key "$K/kubelet-cp-1.key" -subj "/O=system:nodes/CN=system:node:cp-1" -out "$MI/cp-1-client.csr"
cp "$K/kubelet-cp-1.crt" "$MI/cp-1-client.crt"
fx_assert_pair "$MI/cp-1-client.crt" "$K/kubelet-cp-1.key"

# A validating webhook whose caBundle is its own CA, and the Secret the webhook serves from.
fx_key p256 "$MI/webhook-ca.key"
fx_issue "$MI/webhook-ca.crt" "$MI/webhook-ca.key" "/CN=policy-webhook-ca" "2026-02-01T00:00:00Z" "2036-01-30T00:00:00Z" "$(fx_ext_ca)" - -
fx_key p256 "$MI/webhook-tls.key"
fx_issue "$MI/webhook-tls.crt" "$MI/webhook-tls.key" "/CN=policy-webhook.policy-system.svc" "2026-06-01T00:00:00Z" "2027-06-01T00:00:00Z" \
  "$(fx_ext_leaf serverAuth "DNS:policy-webhook,DNS:policy-webhook.policy-system,DNS:policy-webhook.policy-system.svc,DNS:policy-webhook.policy-system.svc.cluster.local")" \
  "$MI/webhook-ca.crt" "$MI/webhook-ca.key"
fx_assert_verifies "$MI/webhook-ca.crt" "$MI/webhook-tls.crt"

node "$HERE/write-manifests.mjs" "$MI" manifests
