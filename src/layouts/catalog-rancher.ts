import type { Distribution, LayoutEntry } from "./types.js";

// K3s and RKE2 share one layout (RKE2 embeds K3s); only the data-dir name differs.
function rancherEntries(d: "k3s" | "rke2"): LayoutEntry[] {
  const tls = `^/var/lib/rancher/${d}/server/tls/`;
  const agent = `^/var/lib/rancher/${d}/agent/`;
  const D = d === "k3s" ? "K3s" : "RKE2";
  const entry = (pattern: string, role: string, roleTitle: string, caIdentity?: string): LayoutEntry => {
    const e: LayoutEntry = { distribution: d as Distribution, pattern: new RegExp(pattern), role, roleTitle };
    if (caIdentity !== undefined) e.caIdentity = caIdentity;
    return e;
  };
  return [
    entry(`${tls}server-ca\\.(?:crt|key)$`, `${d}-server-ca`, `${D} server CA (signs API server and kubelet serving certs)`, `${d}-server-ca`),
    entry(`${tls}client-ca\\.(?:crt|key)$`, `${d}-client-ca`, `${D} client CA (signs component and admin client certs)`, `${d}-client-ca`),
    entry(`${tls}request-header-ca\\.(?:crt|key)$`, `${d}-request-header-ca`, `${D} request-header (aggregation layer) CA`, `${d}-request-header-ca`),
    entry(`${tls}etcd/server-ca\\.(?:crt|key)$`, `${d}-etcd-server-ca`, `${D} etcd server CA`, `${d}-etcd-server-ca`),
    entry(`${tls}etcd/peer-ca\\.(?:crt|key)$`, `${d}-etcd-peer-ca`, `${D} etcd peer CA`, `${d}-etcd-peer-ca`),
    entry(`${tls}etcd/client\\.(?:crt|key)$`, `${d}-etcd-client`, `${D} etcd client certificate`),
    entry(`${tls}etcd/server-client\\.(?:crt|key)$`, `${d}-etcd-server`, `${D} etcd serving certificate`),
    entry(`${tls}etcd/peer-server-client\\.(?:crt|key)$`, `${d}-etcd-peer`, `${D} etcd peer certificate`),
    entry(`${tls}service\\.(?:key|current\\.key)$`, `${d}-service-account-key`, `${D} service-account signing key`),
    entry(`${tls}serving-kube-apiserver\\.(?:crt|key)$`, `${d}-serving-kube-apiserver`, `${D} API server serving certificate`),
    entry(`${tls}client-([a-z0-9]+(?:-[a-z0-9]+)*)\\.(?:crt|key)$`, `${d}-client-{1}`, `${D} {1} client certificate`),
    entry(`${tls}serving-([a-z0-9]+(?:-[a-z0-9]+)*)\\.(?:crt|key)$`, `${d}-serving-{1}`, `${D} {1} serving certificate`),
    entry(`${agent}server-ca\\.crt$`, `${d}-agent-server-ca`, `${D} server CA as fetched by this node's agent`, `${d}-server-ca`),
    entry(`${agent}client-ca\\.crt$`, `${d}-agent-client-ca`, `${D} client CA as fetched by this node's agent`, `${d}-client-ca`),
    entry(`${agent}client-([a-z0-9]+(?:-[a-z0-9]+)*)\\.(?:crt|key)$`, `${d}-agent-client-{1}`, `${D} agent {1} client certificate`),
    entry(`${agent}serving-([a-z0-9]+(?:-[a-z0-9]+)*)\\.(?:crt|key)$`, `${d}-agent-serving-{1}`, `${D} agent {1} serving certificate`),
    {
      distribution: d,
      pattern: new RegExp(`^/etc/rancher/${d}/${d}\\.yaml$`),
      role: `${d}-admin-kubeconfig`,
      roleTitle: `${D} admin kubeconfig client certificate`,
      kubeconfigCa: `${d}-server-ca`,
    },
  ];
}

export const k3sEntries: readonly LayoutEntry[] = rancherEntries("k3s");
export const rke2Entries: readonly LayoutEntry[] = rancherEntries("rke2");
