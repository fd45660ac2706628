import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { placePath, placeRef } from "./place.js";
import { describeRenewal } from "./renewal.js";
import type { CertFacts } from "./renewal-types.js";

const LEAF_1Y: CertFacts = { isCA: false, selfIssued: false, lifetimeDays: 365 };
const CA_10Y: CertFacts = { isCA: true, selfIssued: true, lifetimeDays: 3650 };

interface Row {
  name: string;
  ref: string;
  cert: CertFacts;
  /** Substrings (commands, paths, facts) the advice must contain. */
  has: string[];
  /** Substrings it must not contain: advice from another distribution. */
  lacks?: string[];
}

const rows: Row[] = [
  { name: "kubeadm apiserver names its renew command and the restart", ref: "file:/dump/cp1/etc/kubernetes/pki/apiserver.crt", cert: LEAF_1Y, has: ["kubeadm certs renew apiserver", "kubeadm certs check-expiration", "/etc/kubernetes/manifests", "kubeadm upgrade"], lacks: ["k3s"] },
  { name: "kubeadm etcd peer", ref: "file:/etc/kubernetes/pki/etcd/peer.crt", cert: LEAF_1Y, has: ["kubeadm certs renew etcd-peer"] },
  { name: "kubeadm etcd server", ref: "file:/etc/kubernetes/pki/etcd/server.crt", cert: LEAF_1Y, has: ["kubeadm certs renew etcd-server"] },
  { name: "kubeadm etcd healthcheck client", ref: "file:/etc/kubernetes/pki/etcd/healthcheck-client.crt", cert: LEAF_1Y, has: ["kubeadm certs renew etcd-healthcheck-client"] },
  { name: "kubeadm front-proxy client", ref: "file:/etc/kubernetes/pki/front-proxy-client.crt", cert: LEAF_1Y, has: ["kubeadm certs renew front-proxy-client"] },
  { name: "kubeadm apiserver-kubelet-client", ref: "file:/etc/kubernetes/pki/apiserver-kubelet-client.crt", cert: LEAF_1Y, has: ["kubeadm certs renew apiserver-kubelet-client"] },
  { name: "kubeadm apiserver-etcd-client", ref: "file:/etc/kubernetes/pki/apiserver-etcd-client.crt", cert: LEAF_1Y, has: ["kubeadm certs renew apiserver-etcd-client"] },
  { name: "admin.conf user cert, and its copies", ref: "kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin", cert: LEAF_1Y, has: ["kubeadm certs renew admin.conf", "~/.kube/config"] },
  { name: "super-admin.conf", ref: "kubeconfig:/etc/kubernetes/super-admin.conf#users/kubernetes-super-admin", cert: LEAF_1Y, has: ["kubeadm certs renew super-admin.conf"] },
  { name: "controller-manager.conf", ref: "kubeconfig:/etc/kubernetes/controller-manager.conf#users/system:kube-controller-manager", cert: LEAF_1Y, has: ["kubeadm certs renew controller-manager.conf"] },
  { name: "scheduler.conf", ref: "kubeconfig:/etc/kubernetes/scheduler.conf#users/system:kube-scheduler", cert: LEAF_1Y, has: ["kubeadm certs renew scheduler.conf"] },
  { name: "kubeadm CA cannot be renewed by certs renew", ref: "file:/etc/kubernetes/pki/ca.crt", cert: CA_10Y, has: ["cannot renew a CA", "10 years", "Manual rotation of CA certificates"], lacks: ["kubeadm certs renew ca"] },
  { name: "kubeadm CA with a non-default lifetime is called external", ref: "file:/etc/kubernetes/pki/ca.crt", cert: { isCA: true, selfIssued: true, lifetimeDays: 1825 }, has: ["1825 days", "cannot renew a CA"] },
  { name: "kubeadm front-proxy CA", ref: "file:/etc/kubernetes/pki/front-proxy-ca.crt", cert: CA_10Y, has: ["cannot renew a CA"] },
  { name: "kubelet.conf embedded cert", ref: "kubeconfig:/etc/kubernetes/kubelet.conf#users/default-auth", cert: LEAF_1Y, has: ["kubelet-client-current.pem", "kubeadm kubeconfig user --org system:nodes"] },
  { name: "CA embedded in admin.conf", ref: "kubeconfig:/etc/kubernetes/admin.conf#clusters/kubernetes", cert: CA_10Y, has: ["/etc/kubernetes/pki/ca.crt", "kubeadm init phase kubeconfig admin"] },
  { name: "cluster-info", ref: "configmap:kube-public/cluster-info#kubeconfig", cert: CA_10Y, has: ["kubectl -n kube-public edit configmap cluster-info", "--discovery-token-ca-cert-hash"] },
  { name: "kubelet client current", ref: "file:/var/lib/kubelet/pki/kubelet-client-current.pem", cert: LEAF_1Y, has: ["rotateCertificates", "symlink", "kubelet-client-<timestamp>.pem"] },
  { name: "kubelet self-signed serving is never renewed", ref: "file:/var/lib/kubelet/pki/kubelet.crt", cert: { isCA: false, selfIssued: true, lifetimeDays: 365 }, has: ["NEVER renewed", "kubelet.key", "systemctl restart kubelet", "serverTLSBootstrap"] },
  { name: "kubelet serving current needs CSR approval", ref: "file:/var/lib/kubelet/pki/kubelet-server-current.pem", cert: LEAF_1Y, has: ["kubernetes.io/kubelet-serving", "kubectl certificate approve", "never auto-approves"] },
  { name: "K3s serving apiserver", ref: "file:/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt", cert: LEAF_1Y, has: ["k3s certificate rotate --service api-server", "90 days", "120", "k3s certificate check", "tls-<unix-timestamp>", "systemctl restart k3s"], lacks: ["kubeadm"] },
  { name: "K3s agent kubelet client restarts the agent", ref: "file:/var/lib/rancher/k3s/agent/client-kubelet.crt", cert: LEAF_1Y, has: ["k3s certificate rotate --service kubelet", "k3s-agent"] },
  { name: "K3s etcd", ref: "file:/var/lib/rancher/k3s/server/tls/etcd/peer-server-client.crt", cert: LEAF_1Y, has: ["--service etcd"] },
  { name: "K3s server CA", ref: "file:/var/lib/rancher/k3s/server/tls/server-ca.crt", cert: CA_10Y, has: ["k3s certificate rotate-ca --path", "--server", "two CAs", "10 years"] },
  { name: "K3s agent CA copy", ref: "file:/var/lib/rancher/k3s/agent/server-ca.crt", cert: CA_10Y, has: ["systemctl restart k3s-agent"] },
  { name: "K3s admin kubeconfig copies", ref: "kubeconfig:/etc/rancher/k3s/k3s.yaml#users/default", cert: LEAF_1Y, has: ["--service admin", "/etc/rancher/k3s/k3s.yaml"] },
  { name: "RKE2 uses its own command and units", ref: "file:/var/lib/rancher/rke2/server/tls/client-rke2-controller.crt", cert: LEAF_1Y, has: ["rke2 certificate rotate --service rke2-controller", "rke2-server"], lacks: ["k3s certificate"] },
  { name: "RKE2 CA", ref: "file:/var/lib/rancher/rke2/server/tls/client-ca.crt", cert: CA_10Y, has: ["rke2 certificate rotate-ca --path"] },
  { name: "K3s dynamic listener", ref: "secret:kube-system/k3s-serving#tls.crt", cert: LEAF_1Y, has: ["dynamic-cert.json", "kube-system/k3s-serving"] },
  { name: "KubeEdge CA Secret", ref: "secret:kubeedge/casecret#cadata", cert: CA_10Y, has: ["casecret", "rootCA.crt", "keadm gettoken", "x509: certificate signed by unknown authority"] },
  { name: "KubeEdge edge root CA", ref: "file:/etc/kubeedge/ca/rootCA.crt", cert: CA_10Y, has: ["https://<cloudcore>:10002/ca.crt", "keadm gettoken", "restart edgecore"] },
  { name: "KubeEdge edge cert", ref: "file:/etc/kubeedge/certs/server.crt", cert: LEAF_1Y, has: ["https://<cloudcore>:10002/edge.crt", "/etc/kubeedge/certs/server.crt"] },
  { name: "CloudCore serving Secret", ref: "secret:kubeedge/cloudcoresecret#cloudcoredata", cert: LEAF_1Y, has: ["cloudcoresecret", "restart CloudCore"] },
  { name: "Talos Kubernetes CA", ref: "file:/system/secrets/kubernetes/kube-apiserver/ca.crt", cert: CA_10Y, has: ["talosctl rotate-ca", "--dry-run=false", "talosctl kubeconfig"] },
  { name: "Talos kubelet needs an approver", ref: "file:/system/secrets/kubelet/kubelet.crt", cert: LEAF_1Y, has: ["kubelet-serving-cert-approver"] },
  { name: "Talos component kubeconfig", ref: "kubeconfig:/system/secrets/kubernetes/kube-scheduler/kubeconfig#users/scheduler", cert: LEAF_1Y, has: ["talosctl kubeconfig", "short-lived"] },
  { name: "kops node cert is renewed by replacing nodes", ref: "file:/srv/kubernetes/kube-apiserver/server.crt", cert: LEAF_1Y, has: ["kops rolling-update cluster --force --yes", "455–485"] },
  { name: "kops kube-proxy keeps the old cert", ref: "kubeconfig:/var/lib/kube-proxy/kubeconfig#users/kube-proxy", cert: LEAF_1Y, has: ["kube-proxy", "kops rolling-update cluster --force --yes", "old client certificate"] },
  { name: "kops CA", ref: "file:/srv/kubernetes/ca.crt", cert: CA_10Y, has: ["kops create keypair", "kops promote keypair", "kops distrust keypair"] },
  { name: "standalone etcd leaf", ref: "file:/etc/etcd/pki/server.crt", cert: LEAF_1Y, has: ["systemctl restart etcd", "one member at a time"] },
  { name: "standalone etcd CA", ref: "file:/etc/etcd/pki/ca.crt", cert: CA_10Y, has: ["--trusted-ca-file"] },
  { name: "kube-root-ca.crt is republished by controller-manager", ref: "configmap:default/kube-root-ca.crt#ca.crt", cert: CA_10Y, has: ["--root-ca-file", "kube-controller-manager"] },
  { name: "generic leaf", ref: "file:/opt/app/tls/server.pem", cert: LEAF_1Y, has: ["replace the certificate before notAfter and reload the process that uses it"] },
  { name: "generic short-lived leaf points at automation", ref: "secret:default/web-tls#tls.crt", cert: { isCA: false, selfIssued: false, lifetimeDays: 90 }, has: ["90 days", "cert-manager"] },
  { name: "generic CA", ref: "file:/opt/pki/root.pem", cert: CA_10Y, has: ["trust bundle"] },
  { name: "backup copy is not renewed", ref: "file:/var/lib/rancher/k3s/server/tls-1717000000/server-ca.crt", cert: CA_10Y, has: ["archived copy"], lacks: ["rotate-ca"] },
  { name: "webhook caBundle gets generic advice", ref: "webhook:my-hook#webhooks/0/clientConfig/caBundle", cert: CA_10Y, has: ["notAfter"] },
];

describe("describeRenewal", () => {
  for (const row of rows) {
    it(row.name, () => {
      const text = describeRenewal(placeRef(row.ref), row.cert);
      const lower = text.toLowerCase();
      for (const s of row.has) assert.ok(lower.includes(s.toLowerCase()), `missing ${JSON.stringify(s)} in: ${text}`);
      for (const s of row.lacks ?? []) assert.ok(!lower.includes(s.toLowerCase()), `unexpected ${JSON.stringify(s)} in: ${text}`);
    });
  }

  it("accepts a placement with extra fields and a distribution given as a plain string (engine Location)", () => {
    const location = { ref: "file:/etc/kubernetes/pki/apiserver.crt", context: "dir:/etc/kubernetes/pki", anchor: false, ...placePath("/etc/kubernetes/pki/apiserver.crt") };
    assert.ok(describeRenewal(location, LEAF_1Y).includes("kubeadm certs renew apiserver"));
  });

  it("gives every placed role advice that differs from the generic fallback", () => {
    const generic = describeRenewal({ backup: false }, LEAF_1Y);
    for (const row of rows.filter((r) => placeRef(r.ref).role !== undefined)) {
      assert.notEqual(describeRenewal(placeRef(row.ref), row.cert), generic, row.ref);
    }
  });
});
