import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { placePath, placeRef } from "./place.js";
import type { Placement } from "./types.js";

interface Row {
  name: string;
  input: string;
  want: Partial<Placement>;
}

// Only the fields named in `want` are compared (`undefined` means "must be absent").
function check(row: Row, got: Placement): void {
  for (const [key, value] of Object.entries(row.want)) {
    assert.equal(got[key as keyof Placement], value, `${key} of ${row.input}`);
  }
}

const pathRows: Row[] = [
  // kubeadm at "/"
  { name: "kubeadm CA on a live node", input: "/etc/kubernetes/pki/ca.crt", want: { distribution: "kubeadm", node: "", role: "kubeadm-ca", caIdentity: "kubeadm-ca", backup: false } },
  { name: "kubeadm CA key shares the CA role", input: "/etc/kubernetes/pki/ca.key", want: { role: "kubeadm-ca" } },
  { name: "kubeadm apiserver", input: "/etc/kubernetes/pki/apiserver.crt", want: { distribution: "kubeadm", role: "kubeadm-apiserver", caIdentity: undefined } },
  { name: "kubeadm apiserver-kubelet-client", input: "/etc/kubernetes/pki/apiserver-kubelet-client.crt", want: { role: "kubeadm-apiserver-kubelet-client" } },
  { name: "kubeadm apiserver-etcd-client", input: "/etc/kubernetes/pki/apiserver-etcd-client.crt", want: { role: "kubeadm-apiserver-etcd-client" } },
  { name: "kubeadm front-proxy CA", input: "/etc/kubernetes/pki/front-proxy-ca.crt", want: { role: "kubeadm-front-proxy-ca", caIdentity: "kubeadm-front-proxy-ca" } },
  { name: "kubeadm front-proxy client", input: "/etc/kubernetes/pki/front-proxy-client.crt", want: { role: "kubeadm-front-proxy-client" } },
  { name: "kubeadm service-account key", input: "/etc/kubernetes/pki/sa.pub", want: { role: "kubeadm-sa" } },
  { name: "kubeadm etcd CA", input: "/etc/kubernetes/pki/etcd/ca.crt", want: { role: "kubeadm-etcd-ca", caIdentity: "kubeadm-etcd-ca" } },
  { name: "kubeadm etcd server", input: "/etc/kubernetes/pki/etcd/server.crt", want: { role: "kubeadm-etcd-server" } },
  { name: "kubeadm etcd peer", input: "/etc/kubernetes/pki/etcd/peer.crt", want: { role: "kubeadm-etcd-peer" } },
  { name: "kubeadm etcd healthcheck client", input: "/etc/kubernetes/pki/etcd/healthcheck-client.crt", want: { role: "kubeadm-etcd-healthcheck-client" } },
  { name: "other file in kubeadm etcd dir is plain etcd", input: "/etc/kubernetes/pki/etcd/backup-client.crt", want: { distribution: "etcd", role: "etcd-cert" } },
  { name: "unknown file in kubeadm pki dir", input: "/etc/kubernetes/pki/my-extra.crt", want: { distribution: "kubeadm", role: undefined, node: "" } },
  { name: "admin.conf", input: "/etc/kubernetes/admin.conf", want: { role: "kubeadm-admin-conf" } },
  { name: "super-admin.conf", input: "/etc/kubernetes/super-admin.conf", want: { role: "kubeadm-super-admin-conf" } },
  { name: "controller-manager.conf", input: "/etc/kubernetes/controller-manager.conf", want: { role: "kubeadm-controller-manager-conf" } },
  { name: "scheduler.conf", input: "/etc/kubernetes/scheduler.conf", want: { role: "kubeadm-scheduler-conf" } },
  { name: "kubelet.conf", input: "/etc/kubernetes/kubelet.conf", want: { role: "kubeadm-kubelet-conf" } },
  { name: "file elsewhere in /etc/kubernetes has a node but no distribution", input: "/etc/kubernetes/manifests/ca.crt", want: { node: "", distribution: undefined, role: undefined } },
  // prefixes
  { name: "dump prefix becomes the node", input: "/dump/node1/etc/kubernetes/pki/apiserver.crt", want: { node: "/dump/node1", role: "kubeadm-apiserver" } },
  { name: "scan root inside the layout", input: "/tmp/x/etc/kubernetes/pki/etcd/peer.crt", want: { node: "/tmp/x", role: "kubeadm-etcd-peer" } },
  { name: "prefix that itself contains a layout root once: last root wins", input: "/srv/kubernetes/dumps/cp1/etc/kubernetes/pki/apiserver.crt", want: { node: "/srv/kubernetes/dumps/cp1", distribution: "kubeadm", role: "kubeadm-apiserver" } },
  { name: "prefix containing etc/kubernetes twice", input: "/data/etc/kubernetes/snap/etc/kubernetes/pki/ca.crt", want: { node: "/data/etc/kubernetes/snap", role: "kubeadm-ca" } },
  { name: "look-alike directory name is not a root", input: "/srv/kubernetes-certs/ca.crt", want: { node: undefined, distribution: undefined } },
  { name: "duplicate slashes are normalised", input: "/dump//node2/etc/kubernetes//pki/ca.crt", want: { node: "/dump/node2", role: "kubeadm-ca" } },
  { name: "backup-named dump prefix does not make live certs backups", input: "/backups/node1/etc/kubernetes/pki/ca.crt", want: { node: "/backups/node1", role: "kubeadm-ca", backup: false } },
  // backups
  { name: "kubeadm pki/expired", input: "/etc/kubernetes/pki/expired/apiserver.crt", want: { backup: true, distribution: "kubeadm", node: "" } },
  { name: "kubeadm upgrade backup", input: "/dump/n1/etc/kubernetes/tmp/kubeadm-backup-etcd-2024-01-02-03-04-05/etcd/ca.crt", want: { backup: true, node: "/dump/n1" } },
  { name: "K3s rotation backup dir", input: "/var/lib/rancher/k3s/server/tls-1717000000/serving-kube-apiserver.crt", want: { backup: true, distribution: "k3s" } },
  { name: "RKE2 rotation backup dir", input: "/n3/var/lib/rancher/rke2/server/tls-1717000000/server-ca.crt", want: { backup: true, distribution: "rke2", node: "/n3", caIdentity: undefined } },
  { name: ".bak file", input: "/etc/kubernetes/pki/apiserver.crt.bak", want: { backup: true, role: undefined } },
  { name: ".old infix", input: "/etc/kubernetes/pki/ca.old.crt", want: { backup: true } },
  { name: ".orig kubeconfig", input: "/etc/kubernetes/admin.conf.orig", want: { backup: true } },
  { name: "backup/ dir inside a layout", input: "/etc/kubernetes/pki/backup/ca.crt", want: { backup: true } },
  { name: "backup/ parent dir outside any layout", input: "/home/ops/certs/backup/web.crt", want: { backup: true, node: undefined } },
  { name: "backup dir high above an unrecognised file is not a marker", input: "/backup/2024/certs/web.crt", want: { backup: false } },
  { name: "plain file outside any layout", input: "/opt/app/tls/server.pem", want: { backup: false, node: undefined, distribution: undefined, role: undefined } },
  // kubelet
  { name: "kubelet client current", input: "/dump/w1/var/lib/kubelet/pki/kubelet-client-current.pem", want: { distribution: "kubelet", node: "/dump/w1", role: "kubelet-client-current" } },
  { name: "kubelet client rotation output", input: "/var/lib/kubelet/pki/kubelet-client-2024-01-04-22-29-37.pem", want: { role: "kubelet-client-rotated", backup: false } },
  { name: "kubelet self-signed serving", input: "/var/lib/kubelet/pki/kubelet.crt", want: { role: "kubelet-self-signed-serving" } },
  { name: "kubelet serving current", input: "/var/lib/kubelet/pki/kubelet-server-current.pem", want: { role: "kubelet-server-current" } },
  { name: "unknown kubelet file", input: "/var/lib/kubelet/pki/other.pem", want: { distribution: "kubelet", role: undefined } },
  // K3s / RKE2
  { name: "K3s server CA", input: "/var/lib/rancher/k3s/server/tls/server-ca.crt", want: { distribution: "k3s", role: "k3s-server-ca", caIdentity: "k3s-server-ca", node: "" } },
  { name: "K3s client CA", input: "/var/lib/rancher/k3s/server/tls/client-ca.crt", want: { role: "k3s-client-ca", caIdentity: "k3s-client-ca" } },
  { name: "K3s request-header CA", input: "/var/lib/rancher/k3s/server/tls/request-header-ca.crt", want: { role: "k3s-request-header-ca" } },
  { name: "K3s apiserver serving", input: "/dump/s2/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt", want: { role: "k3s-serving-kube-apiserver", node: "/dump/s2" } },
  { name: "K3s admin client", input: "/var/lib/rancher/k3s/server/tls/client-admin.crt", want: { role: "k3s-client-admin" } },
  { name: "K3s etcd server CA", input: "/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt", want: { role: "k3s-etcd-server-ca", caIdentity: "k3s-etcd-server-ca" } },
  { name: "K3s etcd serving", input: "/var/lib/rancher/k3s/server/tls/etcd/server-client.crt", want: { role: "k3s-etcd-server" } },
  { name: "K3s agent server CA copy", input: "/var/lib/rancher/k3s/agent/server-ca.crt", want: { role: "k3s-agent-server-ca", caIdentity: "k3s-server-ca" } },
  { name: "K3s agent kubelet client", input: "/var/lib/rancher/k3s/agent/client-kubelet.crt", want: { role: "k3s-agent-client-kubelet" } },
  { name: "K3s agent kubelet serving", input: "/var/lib/rancher/k3s/agent/serving-kubelet.crt", want: { role: "k3s-agent-serving-kubelet" } },
  { name: "K3s admin kubeconfig", input: "/etc/rancher/k3s/k3s.yaml", want: { distribution: "k3s", role: "k3s-admin-kubeconfig" } },
  { name: "RKE2 server CA", input: "/var/lib/rancher/rke2/server/tls/server-ca.crt", want: { distribution: "rke2", role: "rke2-server-ca", caIdentity: "rke2-server-ca" } },
  { name: "RKE2 admin kubeconfig", input: "/dump/r1/etc/rancher/rke2/rke2.yaml", want: { distribution: "rke2", role: "rke2-admin-kubeconfig", node: "/dump/r1" } },
  { name: "malformed K3s client file name gets no role", input: "/var/lib/rancher/k3s/server/tls/client--x-.crt", want: { distribution: "k3s", role: undefined } },
  { name: "unknown file in rancher dir without k3s/rke2", input: "/var/lib/rancher/other/x.crt", want: { distribution: undefined, node: "" } },
  // KubeEdge
  { name: "edge root CA", input: "/dump/edge1/etc/kubeedge/ca/rootCA.crt", want: { distribution: "kubeedge", role: "kubeedge-edge-root-ca", caIdentity: "kubeedge-ca", node: "/dump/edge1" } },
  { name: "edge certificate", input: "/etc/kubeedge/certs/server.crt", want: { role: "kubeedge-edge-cert", node: "" } },
  { name: "edge certificate, older name", input: "/etc/kubeedge/certs/edge.crt", want: { role: "kubeedge-edge-cert" } },
  // Talos
  { name: "Talos apiserver", input: "/system/secrets/kubernetes/kube-apiserver/apiserver.crt", want: { distribution: "talos", role: "talos-apiserver", node: "" } },
  { name: "Talos Kubernetes CA via controller-manager", input: "/dump/t1/system/secrets/kubernetes/kube-controller-manager/ca.crt", want: { role: "talos-kubernetes-ca", caIdentity: "talos-kubernetes-ca", node: "/dump/t1" } },
  { name: "Talos etcd peer", input: "/system/secrets/etcd/peer.crt", want: { role: "talos-etcd-peer" } },
  { name: "Talos scheduler kubeconfig", input: "/system/secrets/kubernetes/kube-scheduler/kubeconfig", want: { role: "talos-kube-scheduler-kubeconfig" } },
  // kops
  { name: "kops CA", input: "/srv/kubernetes/ca.crt", want: { distribution: "kops", role: "kops-ca", caIdentity: "kops-ca" } },
  { name: "kops apiserver", input: "/dump/m1/srv/kubernetes/kube-apiserver/server.crt", want: { role: "kops-apiserver", node: "/dump/m1" } },
  { name: "kops etcd CA", input: "/srv/kubernetes/kube-apiserver/etcd-ca.crt", want: { role: "kops-etcd-ca", caIdentity: "kops-etcd-ca" } },
  { name: "kops kubelet serving", input: "/srv/kubernetes/kubelet-server.crt", want: { role: "kops-kubelet-server" } },
  { name: "kops kube-proxy kubeconfig", input: "/var/lib/kube-proxy/kubeconfig", want: { distribution: "kops", role: "kops-kube-proxy-kubeconfig" } },
  { name: "kops kubelet kubeconfig", input: "/var/lib/kubelet/kubeconfig", want: { distribution: "kops", role: "kops-kubelet-kubeconfig" } },
  { name: "kops etcd-manager", input: "/etc/kubernetes/pki/etcd-manager-main/etcd-manager-ca-main.crt", want: { distribution: "kops", role: "kops-etcd-manager-main" } },
  // etcd
  { name: "standalone etcd CA", input: "/etc/etcd/pki/ca.crt", want: { distribution: "etcd", role: "etcd-ca", caIdentity: "etcd-ca" } },
  { name: "standalone etcd peer", input: "/etc/etcd/pki/peer.crt", want: { role: "etcd-peer" } },
  { name: "kubespray etcd member", input: "/dump/e1/etc/ssl/etcd/ssl/member-node1.pem", want: { role: "etcd-server", node: "/dump/e1" } },
  { name: "kubespray etcd admin cert", input: "/etc/ssl/etcd/ssl/admin-node1.pem", want: { role: "etcd-cert" } },
];

const refRows: Row[] = [
  { name: "file ref", input: "file:/dump/node1/etc/kubernetes/pki/apiserver.crt", want: { role: "kubeadm-apiserver", node: "/dump/node1" } },
  { name: "file ref with block index", input: "file:/etc/kubernetes/pki/ca.crt#2", want: { role: "kubeadm-ca" } },
  { name: "file ref backup with block index", input: "file:/x/bundle.pem.bak#0", want: { backup: true } },
  { name: "kubeconfig user", input: "kubeconfig:/dump/node1/etc/kubernetes/admin.conf#users/kubernetes-admin", want: { role: "kubeadm-admin-conf", node: "/dump/node1", caIdentity: undefined } },
  { name: "kubeconfig cluster CA", input: "kubeconfig:/etc/kubernetes/kubelet.conf#clusters/kubernetes", want: { role: "kubeadm-kubelet-conf-ca", caIdentity: "kubeadm-ca" } },
  { name: "K3s kubeconfig cluster CA", input: "kubeconfig:/etc/rancher/k3s/k3s.yaml#clusters/default", want: { role: "k3s-admin-kubeconfig-ca", caIdentity: "k3s-server-ca" } },
  { name: "kops kube-proxy kubeconfig user", input: "kubeconfig:/n/var/lib/kube-proxy/kubeconfig#users/kube-proxy", want: { role: "kops-kube-proxy-kubeconfig", node: "/n" } },
  { name: "unknown kubeconfig cluster CA", input: "kubeconfig:/home/me/.kube/config#clusters/prod", want: { role: undefined, caIdentity: undefined, node: undefined } },
  { name: "KubeEdge CA Secret", input: "secret:kubeedge/casecret#cadata", want: { distribution: "kubeedge", role: "kubeedge-ca", caIdentity: "kubeedge-ca", node: undefined } },
  { name: "CloudCore serving Secret", input: "secret:kubeedge/cloudcoresecret#cloudcoredata", want: { role: "kubeedge-cloudcore-server" } },
  { name: "casecret with an unrelated key", input: "secret:kubeedge/casecret#other", want: { role: undefined } },
  { name: "kube-root-ca.crt in kube-system", input: "configmap:kube-system/kube-root-ca.crt#ca.crt", want: { role: "kube-root-ca-bundle", caIdentity: undefined } },
  { name: "kube-root-ca.crt in any namespace", input: "configmap:team-a/kube-root-ca.crt#ca.crt", want: { role: "kube-root-ca-bundle" } },
  { name: "extension-apiserver-authentication client CA", input: "configmap:kube-system/extension-apiserver-authentication#client-ca-file", want: { role: "apiserver-client-ca-bundle" } },
  { name: "kubeadm cluster-info", input: "configmap:kube-public/cluster-info#kubeconfig", want: { role: "kubeadm-cluster-info", caIdentity: "kubeadm-ca" } },
  { name: "K3s dynamic listener Secret", input: "secret:kube-system/k3s-serving#tls.crt", want: { distribution: "k3s", role: "k3s-serving-dynamic" } },
  { name: "cert-manager tls Secret stays generic", input: "secret:default/web-tls#tls.crt", want: { distribution: undefined, role: undefined, backup: false } },
  { name: "CSR has no layout", input: "csr:csr-abc12", want: { distribution: undefined, node: undefined, role: undefined, backup: false } },
  { name: "webhook has no layout", input: "webhook:my-hook#webhooks/0/clientConfig/caBundle", want: { distribution: undefined, role: undefined, backup: false } },
  { name: "unknown kind", input: "endpoint:10.0.0.1:6443", want: { role: undefined, backup: false } },
  { name: "hash inside a file path is kept", input: "file:/dump/a#b/etc/kubernetes/pki/ca.crt", want: { node: "/dump/a#b", role: "kubeadm-ca" } },
  { name: "no kind at all", input: "/etc/kubernetes/pki/ca.crt", want: { role: undefined, backup: false } },
];

describe("placePath", () => {
  for (const row of pathRows) it(row.name, () => check(row, placePath(row.input)));
});

describe("placeRef", () => {
  for (const row of refRows) it(row.name, () => check(row, placeRef(row.input)));

  it("places file: refs exactly like their path", () => {
    for (const row of pathRows) assert.deepEqual(placeRef(`file:${row.input}`), placePath(row.input), row.input);
  });
});
