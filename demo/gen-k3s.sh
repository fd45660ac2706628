# Sourced by gen-demo.sh (cwd = demo/cluster). Story "K3s partial CA rotation": an HA K3s cluster ran
# `k3s certificate rotate-ca` on 2025-11-24T16:00:00Z (unix 1764000000). k3s-server-1 restarted and
# serves from the new CAs (old ones backed up in tls-1764000000/); k3s-server-2 was never restarted
# and still has the old CAs and leaves signed by them. ECDSA P-256 and SEC1 keys, as K3s makes them.
OLD_TS=1735689600                     # 2025-01-01: cluster created
NEW_TS=1764000000                     # 2025-11-24T16:00:00Z: rotate-ca
OLD_CA_START="2025-01-01T00:00:00Z"; OLD_CA_END="2034-12-30T00:00:00Z"
NEW_CA_START="2025-11-24T16:00:00Z"; NEW_CA_END="2035-11-22T16:00:00Z"
# Leaves are re-issued at restart when within 90 days of expiry; both servers restarted 2026-09-01.
LEAF_START="2026-09-01T00:00:00Z"; LEAF_END="2027-09-01T00:00:00Z"

# k3s_cas DIR TS START END: the five K3s CAs named after their creation time.
k3s_cas() {
  local dir="$1" ts="$2"
  mkdir -p "$dir/etcd"
  local pair
  for pair in server-ca:k3s-server-ca client-ca:k3s-client-ca request-header-ca:k3s-request-header-ca \
      etcd/server-ca:etcd-server-ca etcd/peer-ca:etcd-peer-ca; do
    fx_key_traditional p256 "$dir/${pair%%:*}.key"
    fx_issue "$dir/${pair%%:*}.crt" "$dir/${pair%%:*}.key" "/CN=${pair#*:}@$ts" "$3" "$4" "$(fx_ext_ca)" - -
  done
}
# k3s_leaf DIR NAME CA SUBJ EKU SAN START END: DIR/NAME.crt holds the leaf then its CA, like K3s writes.
k3s_leaf() {
  local dir="$1" name="$2" ca="$3"
  fx_key_traditional p256 "$dir/$name.key"
  fx_issue "$FX_WORK/leaf.crt" "$dir/$name.key" "$4" "$7" "$8" "$(fx_ext_leaf "$5" "$6")" "$dir/$ca.crt" "$dir/$ca.key"
  cat "$FX_WORK/leaf.crt" "$dir/$ca.crt" > "$dir/$name.crt"
}
# k3s_leaves DIR NODE NODE_IP START END
k3s_leaves() {
  local d="$1" node="$2" ip="$3"
  k3s_leaf "$d" serving-kube-apiserver server-ca "/CN=kube-apiserver" serverAuth \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$node,IP:10.43.0.1,IP:127.0.0.1,IP:$ip" "$4" "$5"
  k3s_leaf "$d" client-admin client-ca "/O=system:masters/CN=system:admin" clientAuth "" "$4" "$5"
  k3s_leaf "$d" client-controller client-ca "/CN=system:kube-controller-manager" clientAuth "" "$4" "$5"
  k3s_leaf "$d" client-auth-proxy request-header-ca "/CN=system:auth-proxy" clientAuth "" "$4" "$5"
  k3s_leaf "$d" etcd/server-client etcd/server-ca "/CN=etcd-server" serverAuth,clientAuth \
    "DNS:localhost,DNS:$node,IP:127.0.0.1,IP:$ip" "$4" "$5"
  k3s_leaf "$d" etcd/peer-server-client etcd/peer-ca "/CN=etcd-peer" serverAuth,clientAuth \
    "DNS:localhost,DNS:$node,IP:127.0.0.1,IP:$ip" "$4" "$5"
}

S1=k3s-server-1/var/lib/rancher/k3s/server
S2=k3s-server-2/var/lib/rancher/k3s/server
k3s_cas "$S1/tls-$NEW_TS" "$OLD_TS" "$OLD_CA_START" "$OLD_CA_END"
k3s_leaves "$S1/tls-$NEW_TS" k3s-server-1 10.0.0.41 "$OLD_CA_START" "2026-01-01T00:00:00Z"
k3s_cas "$S1/tls" "$NEW_TS" "$NEW_CA_START" "$NEW_CA_END"
k3s_leaves "$S1/tls" k3s-server-1 10.0.0.41 "$LEAF_START" "$LEAF_END"

# k3s-server-2 still holds the OLD CAs: the very same certificates and keys as server-1's backup.
mkdir -p "$S2/tls/etcd"
for ca in server-ca client-ca request-header-ca etcd/server-ca etcd/peer-ca; do
  cp "$S1/tls-$NEW_TS/$ca.crt" "$S2/tls/$ca.crt"
  cp "$S1/tls-$NEW_TS/$ca.key" "$S2/tls/$ca.key"
done
k3s_leaves "$S2/tls" k3s-server-2 10.0.0.42 "$LEAF_START" "$LEAF_END"

fx_assert_verifies "$S1/tls/server-ca.crt" "$S1/tls/serving-kube-apiserver.crt"
fx_assert_verifies "$S2/tls/server-ca.crt" "$S2/tls/serving-kube-apiserver.crt"
fx_assert_not_verifies "$S1/tls/server-ca.crt" "$S2/tls/serving-kube-apiserver.crt"
fx_assert_not_verifies "$S2/tls/server-ca.crt" "$S1/tls/serving-kube-apiserver.crt"

# k3s_kubeconfig NODE TLS_DIR: /etc/rancher/k3s/k3s.yaml as K3s writes it (cluster/user/context "default").
k3s_kubeconfig() {
  mkdir -p "$1/etc/rancher/k3s"
  cat > "$1/etc/rancher/k3s/k3s.yaml" <<KC
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(fx_b64 "$2/server-ca.crt")
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: $(fx_b64 "$2/client-admin.crt")
    client-key-data: $(fx_b64 "$2/client-admin.key")
KC
}
k3s_kubeconfig k3s-server-1 "$S1/tls"
k3s_kubeconfig k3s-server-2 "$S2/tls"
