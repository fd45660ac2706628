# Sourced by gen-demo.sh (cwd = demo/cluster). Story "edge CA drift": CloudCore was reinstalled on
# 2026-10-15 and generated a NEW CA (Secret kubeedge/casecret); edge-1 still trusts the OLD CA and
# holds a cert signed by it, so edge-1 <-> CloudCore fails with `x509: certificate signed by unknown
# authority`. Both CAs are named CN=KubeEdge, as KubeEdge names its CA. edge-2 re-joined: healthy.
MI="$FX_WORK/manifests-in"
mkdir -p "$MI"
EDGE_OLD_CA_START="2025-03-01T00:00:00Z"; EDGE_OLD_CA_END="2035-02-27T00:00:00Z"
EDGE_NEW_CA_START="2026-10-15T00:00:00Z"; EDGE_NEW_CA_END="2036-10-12T00:00:00Z"

fx_key_traditional p256 "$FX_WORK/edge-old-ca.key"
fx_issue "$FX_WORK/edge-old-ca.crt" "$FX_WORK/edge-old-ca.key" "/CN=KubeEdge" "$EDGE_OLD_CA_START" "$EDGE_OLD_CA_END" "$(fx_ext_ca)" - -
fx_key_traditional p256 "$MI/edge-new-ca.key"
fx_issue "$MI/edge-new-ca.crt" "$MI/edge-new-ca.key" "/CN=KubeEdge" "$EDGE_NEW_CA_START" "$EDGE_NEW_CA_END" "$(fx_ext_ca)" - -

# CloudCore's server certificate (Secret kubeedge/cloudcoresecret), signed by the new CA.
fx_key_traditional p256 "$MI/cloudcore.key"
fx_issue "$MI/cloudcore.crt" "$MI/cloudcore.key" "/O=KubeEdge/CN=KubeEdge" "$EDGE_NEW_CA_START" "2027-10-15T00:00:00Z" \
  "$(fx_ext_leaf serverAuth,clientAuth "DNS:cloudcore.kubeedge.svc,DNS:cloudcore,IP:10.0.0.100")" \
  "$MI/edge-new-ca.crt" "$MI/edge-new-ca.key"
# Secrets hold DER: the certificate and the SEC1 key, as CloudCore stores them.
fx_der "$MI/edge-new-ca.crt" > "$MI/edge-new-ca.der"
openssl pkey -in "$MI/edge-new-ca.key" -outform DER -out "$MI/edge-new-ca.key.der"
fx_der "$MI/cloudcore.crt" > "$MI/cloudcore.der"
openssl pkey -in "$MI/cloudcore.key" -outform DER -out "$MI/cloudcore.key.der"
# SEC1 ECPrivateKey starts with INTEGER 1 (PKCS#8 would start with INTEGER 0).
for k in edge-new-ca cloudcore; do
  openssl asn1parse -inform DER -in "$MI/$k.key.der" | sed -n 2p | grep 'INTEGER *:01$' >/dev/null
done

# edge_node NODE CA_CRT CA_KEY START END: /etc/kubeedge/ca/rootCA.crt and certs/server.{crt,key}
edge_node() {
  mkdir -p "$1/etc/kubeedge/ca" "$1/etc/kubeedge/certs"
  cp "$2" "$1/etc/kubeedge/ca/rootCA.crt"
  fx_key_traditional p256 "$1/etc/kubeedge/certs/server.key"
  fx_issue "$1/etc/kubeedge/certs/server.crt" "$1/etc/kubeedge/certs/server.key" "/CN=$1" "$4" "$5" \
    "$(fx_ext_leaf serverAuth,clientAuth)" "$2" "$3"
  fx_assert_verifies "$1/etc/kubeedge/ca/rootCA.crt" "$1/etc/kubeedge/certs/server.crt"
}
edge_node edge-1 "$FX_WORK/edge-old-ca.crt" "$FX_WORK/edge-old-ca.key" "2026-03-01T00:00:00Z" "2027-03-01T00:00:00Z"
edge_node edge-2 "$MI/edge-new-ca.crt" "$MI/edge-new-ca.key" "2026-10-20T00:00:00Z" "2027-10-20T00:00:00Z"
fx_assert_not_verifies edge-1/etc/kubeedge/ca/rootCA.crt "$MI/cloudcore.crt"
fx_assert_verifies edge-2/etc/kubeedge/ca/rootCA.crt "$MI/cloudcore.crt"
fx_assert_not_verifies "$MI/edge-new-ca.crt" edge-1/etc/kubeedge/certs/server.crt
