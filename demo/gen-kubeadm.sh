# Sourced by gen-demo.sh (cwd = demo/cluster): the kubeadm control plane cp-1 and the worker worker-1.
# RSA-2048 keys in PKCS#1 and the subjects, SANs and EKUs kubeadm v1.30 writes.
CA_START="2025-01-10T00:00:00Z"       # cluster created
CA_END="2035-01-08T00:00:00Z"         # kubeadm CAs: 10 years
RENEWED="2026-01-10T00:00:00Z"        # `kubeadm certs renew all` one year later
RENEWED_END="2027-01-10T00:00:00Z"

PKI=cp-1/etc/kubernetes/pki
mkdir -p "$PKI/etcd" "$PKI/expired"

# kubeadm_ca NAME CN: self-signed CA at $PKI/NAME.{crt,key}
kubeadm_ca() {
  fx_key_traditional rsa2048 "$PKI/$1.key"
  fx_issue "$PKI/$1.crt" "$PKI/$1.key" "/CN=$2" "$CA_START" "$CA_END" "$(fx_ext_ca)" - -
}
# kubeadm_leaf NAME SIGNER SUBJ EKU [SAN]: leaf at $PKI/NAME.{crt,key} signed by $PKI/SIGNER
kubeadm_leaf() {
  fx_key_traditional rsa2048 "$PKI/$1.key"
  fx_issue "$PKI/$1.crt" "$PKI/$1.key" "$3" "$RENEWED" "$RENEWED_END" "$(fx_ext_leaf "$4" "${5:-}")" \
    "$PKI/$2.crt" "$PKI/$2.key"
  fx_assert_verifies "$PKI/$2.crt" "$PKI/$1.crt"
}

APISERVER_SAN="DNS:cp-1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:10.0.0.11"
ETCD_SAN="DNS:cp-1,DNS:localhost,IP:10.0.0.11,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"

kubeadm_ca ca kubernetes
kubeadm_ca front-proxy-ca front-proxy-ca
kubeadm_ca etcd/ca etcd-ca
kubeadm_leaf apiserver ca "/CN=kube-apiserver" serverAuth "$APISERVER_SAN"
kubeadm_leaf apiserver-kubelet-client ca "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client" clientAuth
kubeadm_leaf apiserver-etcd-client etcd/ca "/CN=kube-apiserver-etcd-client" clientAuth
kubeadm_leaf front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
kubeadm_leaf etcd/server etcd/ca "/CN=cp-1" serverAuth,clientAuth "$ETCD_SAN"
kubeadm_leaf etcd/peer etcd/ca "/CN=cp-1" serverAuth,clientAuth "$ETCD_SAN"
kubeadm_leaf etcd/healthcheck-client etcd/ca "/CN=kube-etcd-healthcheck-client" clientAuth
fx_key_traditional rsa2048 "$PKI/sa.key"
openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"

# Story "mismatched key": someone copied a front-proxy-client.key from another cluster.
fx_key_traditional rsa2048 "$PKI/front-proxy-client.key"
fx_assert_not_pair "$PKI/front-proxy-client.crt" "$PKI/front-proxy-client.key"
for leaf in apiserver apiserver-kubelet-client apiserver-etcd-client etcd/server etcd/peer etcd/healthcheck-client; do
  fx_assert_pair "$PKI/$leaf.crt" "$PKI/$leaf.key"
done

# Backup of the first-year apiserver cert (expired 2026-01-10): archive, never a live certificate.
fx_key_traditional rsa2048 "$PKI/expired/apiserver.key"
fx_issue "$PKI/expired/apiserver.crt" "$PKI/expired/apiserver.key" "/CN=kube-apiserver" "$CA_START" "$RENEWED" \
  "$(fx_ext_leaf serverAuth "$APISERVER_SAN")" "$PKI/ca.crt" "$PKI/ca.key"
fx_assert_not_verifies "$PKI/ca.crt" "$PKI/expired/apiserver.crt"

# kubeconfig_embedded OUT CLUSTER SERVER CA_CRT USER CERT KEY
kubeconfig_embedded() {
  cat > "$1" <<KC
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(fx_b64 "$4")
    server: $3
  name: $2
contexts:
- context:
    cluster: $2
    user: $5
  name: $5@$2
current-context: $5@$2
kind: Config
preferences: {}
users:
- name: $5
  user:
    client-certificate-data: $(fx_b64 "$6")
    client-key-data: $(fx_b64 "$7")
KC
}
# kubeconfig_kubelet OUT CA_CRT: kubelet.conf as kubeadm writes it once client rotation is on.
kubeconfig_kubelet() {
  cat > "$1" <<KC
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(fx_b64 "$2")
    server: https://10.0.0.11:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: system:node:$3
  name: system:node:$3@kubernetes
current-context: system:node:$3@kubernetes
kind: Config
preferences: {}
users:
- name: system:node:$3
  user:
    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem
KC
}
# client_cert OUT_BASE SUBJ START END: a client certificate from the cluster CA at OUT_BASE.{crt,key}
client_cert() {
  fx_key_traditional "${KEYTYPE:-rsa2048}" "$1.key"
  fx_issue "$1.crt" "$1.key" "$2" "$3" "$4" "$(fx_ext_leaf clientAuth)" "$PKI/ca.crt" "$PKI/ca.key"
}

K="$FX_WORK/kubeconfigs"
mkdir -p "$K"
# Story "expiring kubeconfig": admin.conf was re-made on 2025-12-05 and missed the January renewal.
client_cert "$K/admin" "/O=kubeadm:cluster-admins/CN=kubernetes-admin" "2025-12-05T00:00:00Z" "2026-12-05T00:00:00Z"
client_cert "$K/super-admin" "/O=system:masters/CN=kubernetes-super-admin" "$RENEWED" "$RENEWED_END"
client_cert "$K/controller-manager" "/CN=system:kube-controller-manager" "$RENEWED" "$RENEWED_END"
client_cert "$K/scheduler" "/CN=system:kube-scheduler" "$RENEWED" "$RENEWED_END"
kubeconfig_embedded cp-1/etc/kubernetes/admin.conf kubernetes https://10.0.0.11:6443 "$PKI/ca.crt" kubernetes-admin "$K/admin.crt" "$K/admin.key"
kubeconfig_embedded cp-1/etc/kubernetes/super-admin.conf kubernetes https://10.0.0.11:6443 "$PKI/ca.crt" kubernetes-super-admin "$K/super-admin.crt" "$K/super-admin.key"
kubeconfig_embedded cp-1/etc/kubernetes/controller-manager.conf kubernetes https://10.0.0.11:6443 "$PKI/ca.crt" system:kube-controller-manager "$K/controller-manager.crt" "$K/controller-manager.key"
kubeconfig_embedded cp-1/etc/kubernetes/scheduler.conf kubernetes https://10.0.0.11:6443 "$PKI/ca.crt" system:kube-scheduler "$K/scheduler.crt" "$K/scheduler.key"
kubeconfig_kubelet cp-1/etc/kubernetes/kubelet.conf "$PKI/ca.crt" cp-1

# kubelet_pki NODE: the kubelet's own self-signed serving pair, as the kubelet writes it at first start.
kubelet_pki() {
  local p="$1/var/lib/kubelet/pki"
  mkdir -p "$p"
  fx_key_traditional rsa2048 "$p/kubelet.key"
  fx_issue "$p/kubelet.crt" "$p/kubelet.key" "/CN=$1@1768003200" "$RENEWED" "$RENEWED_END" \
    "$(fx_ext_ca; echo 'extendedKeyUsage = serverAuth'; echo "subjectAltName = DNS:$1")" - -
}

# cp-1: healthy rotation, kubelet-client-current.pem -> the dated file (cert + key in one file).
kubelet_pki cp-1
KEYTYPE=p256 client_cert "$K/kubelet-cp-1" "/O=system:nodes/CN=system:node:cp-1" "2026-09-15T08:25:00Z" "2027-09-15T08:25:00Z"
cat "$K/kubelet-cp-1.crt" "$K/kubelet-cp-1.key" > cp-1/var/lib/kubelet/pki/kubelet-client-2026-09-15-08-30-00.pem
ln -s kubelet-client-2026-09-15-08-30-00.pem cp-1/var/lib/kubelet/pki/kubelet-client-current.pem
fx_assert_verifies "$PKI/ca.crt" cp-1/var/lib/kubelet/pki/kubelet-client-current.pem

# worker-1, story "kubelet rotation blocked": kubelet-client-current.pem is a regular file (restored
# from a backup with `cp -L`), so the kubelet cannot swap in the renewed cert; it expires 2026-12-20.
mkdir -p worker-1/etc/kubernetes/pki
cp "$PKI/ca.crt" worker-1/etc/kubernetes/pki/ca.crt
kubeconfig_kubelet worker-1/etc/kubernetes/kubelet.conf "$PKI/ca.crt" worker-1
kubelet_pki worker-1
KEYTYPE=p256 client_cert "$K/kubelet-worker-1" "/O=system:nodes/CN=system:node:worker-1" "2025-12-20T00:00:00Z" "2026-12-20T00:00:00Z"
cat "$K/kubelet-worker-1.crt" "$K/kubelet-worker-1.key" > worker-1/var/lib/kubelet/pki/kubelet-client-current.pem
[[ -L cp-1/var/lib/kubelet/pki/kubelet-client-current.pem && ! -L worker-1/var/lib/kubelet/pki/kubelet-client-current.pem ]]
