import type { LayoutEntry } from "./types.js";

// Certificates and their keys share a role: `X.crt` and `X.key` are the same identity.
const PKI = "^/etc/kubernetes/pki/";
const PAIR = "\\.(?:crt|key)$";

function pki(name: string, role: string, roleTitle: string, caIdentity?: string): LayoutEntry {
  const entry: LayoutEntry = { distribution: "kubeadm", pattern: new RegExp(PKI + name + PAIR), role, roleTitle };
  if (caIdentity !== undefined) entry.caIdentity = caIdentity;
  return entry;
}

function conf(file: string, role: string, roleTitle: string): LayoutEntry {
  return {
    distribution: "kubeadm",
    pattern: new RegExp("^/etc/kubernetes/" + file.replace(".", "\\.") + "$"),
    role,
    roleTitle,
    kubeconfigCa: "kubeadm-ca",
  };
}

/** kubeadm's certificatesDir (/etc/kubernetes/pki) and its kubeconfigs. */
export const kubeadmEntries: readonly LayoutEntry[] = [
  pki("ca", "kubeadm-ca", "kubeadm cluster CA", "kubeadm-ca"),
  pki("apiserver", "kubeadm-apiserver", "kubeadm API server serving certificate"),
  pki("apiserver-kubelet-client", "kubeadm-apiserver-kubelet-client", "kubeadm API server client certificate for kubelets"),
  pki("apiserver-etcd-client", "kubeadm-apiserver-etcd-client", "kubeadm API server client certificate for etcd"),
  pki("front-proxy-ca", "kubeadm-front-proxy-ca", "kubeadm front-proxy (aggregation layer) CA", "kubeadm-front-proxy-ca"),
  pki("front-proxy-client", "kubeadm-front-proxy-client", "kubeadm front-proxy client certificate"),
  { distribution: "kubeadm", pattern: /^\/etc\/kubernetes\/pki\/sa\.(?:key|pub)$/, role: "kubeadm-sa", roleTitle: "kubeadm service-account signing key pair" },
  pki("etcd/ca", "kubeadm-etcd-ca", "kubeadm etcd CA", "kubeadm-etcd-ca"),
  pki("etcd/server", "kubeadm-etcd-server", "kubeadm etcd serving certificate"),
  pki("etcd/peer", "kubeadm-etcd-peer", "kubeadm etcd peer certificate"),
  pki("etcd/healthcheck-client", "kubeadm-etcd-healthcheck-client", "kubeadm etcd health-check client certificate"),
  conf("admin.conf", "kubeadm-admin-conf", "kubeadm admin kubeconfig client certificate"),
  conf("super-admin.conf", "kubeadm-super-admin-conf", "kubeadm super-admin kubeconfig client certificate"),
  conf("controller-manager.conf", "kubeadm-controller-manager-conf", "kubeadm controller-manager kubeconfig client certificate"),
  conf("scheduler.conf", "kubeadm-scheduler-conf", "kubeadm scheduler kubeconfig client certificate"),
  conf("kubelet.conf", "kubeadm-kubelet-conf", "kubeadm kubelet kubeconfig"),
  conf("bootstrap-kubelet.conf", "kubeadm-bootstrap-kubelet-conf", "kubeadm kubelet bootstrap kubeconfig"),
];

/** kubelet's own certificate directory (any distribution that runs a stock kubelet). */
export const kubeletEntries: readonly LayoutEntry[] = [
  { distribution: "kubelet", pattern: /^\/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem$/, role: "kubelet-client-current", roleTitle: "kubelet client certificate (rotated by kubelet)" },
  { distribution: "kubelet", pattern: /^\/var\/lib\/kubelet\/pki\/kubelet-client-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/, role: "kubelet-client-rotated", roleTitle: "kubelet client certificate, one rotation's output" },
  { distribution: "kubelet", pattern: /^\/var\/lib\/kubelet\/pki\/kubelet-server-current\.pem$/, role: "kubelet-server-current", roleTitle: "kubelet serving certificate (serverTLSBootstrap)" },
  { distribution: "kubelet", pattern: /^\/var\/lib\/kubelet\/pki\/kubelet-server-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/, role: "kubelet-server-rotated", roleTitle: "kubelet serving certificate, one rotation's output" },
  { distribution: "kubelet", pattern: /^\/var\/lib\/kubelet\/pki\/kubelet\.(?:crt|key)$/, role: "kubelet-self-signed-serving", roleTitle: "kubelet self-signed serving certificate" },
];

/** Standalone etcd (also kubespray's /etc/ssl/etcd/ssl) and non-kubeadm files in kubeadm's etcd dir. */
export const etcdEntries: readonly LayoutEntry[] = [
  { distribution: "etcd", pattern: /^\/etc\/(?:ssl\/)?etcd\/(?:[^/]+\/)*ca(?:-cert|-key)?\.(?:crt|pem|key)$/, role: "etcd-ca", roleTitle: "etcd CA", caIdentity: "etcd-ca" },
  { distribution: "etcd", pattern: /^\/etc\/(?:ssl\/)?etcd\/(?:[^/]+\/)*[^/]*peer[^/]*\.(?:crt|pem|key)$/, role: "etcd-peer", roleTitle: "etcd peer certificate" },
  { distribution: "etcd", pattern: /^\/etc\/(?:ssl\/)?etcd\/(?:[^/]+\/)*[^/]*(?:server|member)[^/]*\.(?:crt|pem|key)$/, role: "etcd-server", roleTitle: "etcd member certificate" },
  { distribution: "etcd", pattern: /^\/etc\/(?:ssl\/)?etcd\/.*\.(?:crt|pem|key)$/, role: "etcd-cert", roleTitle: "etcd certificate" },
  { distribution: "etcd", pattern: /^\/etc\/kubernetes\/pki\/etcd\/[^/]+\.(?:crt|pem|key)$/, role: "etcd-cert", roleTitle: "etcd certificate" },
];
