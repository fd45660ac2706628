import type { TrustRequirement } from "./types.js";

const UNKNOWN_AUTHORITY = "`x509: certificate signed by unknown authority`";

function rancherRequirements(d: "k3s" | "rke2"): TrustRequirement[] {
  const D = d === "k3s" ? "K3s" : "RKE2";
  return [
    {
      id: `${d}-apiserver-trusted-by-servers`,
      leafRole: `${d}-serving-kube-apiserver`,
      anchorRole: `${d}-server-ca`,
      scope: "cluster",
      consequence: `Every ${D} server's server-ca.crt must verify every server's API serving certificate; otherwise components and the load balancer fail with ${UNKNOWN_AUTHORITY} when they reach that server — the symptom of a cluster left with two CAs after a CA rotation.`,
    },
    {
      id: `${d}-apiserver-trusted-by-agents`,
      leafRole: `${d}-serving-kube-apiserver`,
      anchorRole: `${d}-agent-server-ca`,
      scope: "cluster",
      consequence: `Agents verify the API server with the server CA they fetched at start; kubelet and kube-proxy on those nodes fail with ${UNKNOWN_AUTHORITY} and the nodes go NotReady.`,
    },
    {
      id: `${d}-kubelet-client-trusted-by-servers`,
      leafRole: `${d}-agent-client-kubelet`,
      anchorRole: `${d}-client-ca`,
      scope: "cluster",
      consequence: "The API server rejects the kubelet's client certificate, so the node cannot report status and goes NotReady.",
    },
    {
      id: `${d}-admin-trusted-by-servers`,
      leafRole: `${d}-admin-kubeconfig`,
      anchorRole: `${d}-client-ca`,
      scope: "cluster",
      consequence: `kubectl with /etc/rancher/${d}/${d}.yaml is rejected as Unauthorized by servers that use a different client CA.`,
    },
  ];
}

/** Cross-location trust the known layouts imply. Rules check every live leaf/anchor pair by role. */
export const trustRequirements: readonly TrustRequirement[] = [
  {
    id: "kubeedge-cloudcore-trusted-by-edges",
    leafRole: "kubeedge-cloudcore-server",
    anchorRole: "kubeedge-edge-root-ca",
    scope: "cluster",
    consequence: `Every edge node's rootCA.crt must verify CloudCore's serving certificate; otherwise every edgecore fails with ${UNKNOWN_AUTHORITY} and the edge nodes go NotReady.`,
  },
  {
    id: "kubeedge-edge-cert-issued-by-cloudcore-ca",
    leafRole: "kubeedge-edge-cert",
    anchorRole: "kubeedge-ca",
    scope: "cluster",
    consequence: "CloudCore verifies edge certificates against its CA in kubeedge/casecret; an edge whose certs/server.crt came from another CA is refused and cannot connect.",
  },
  {
    id: "kubeadm-apiserver-trusted-by-cluster-ca",
    leafRole: "kubeadm-apiserver",
    anchorRole: "kubeadm-ca",
    scope: "cluster",
    consequence: `Kubelets, controllers and kubectl verify the API server against the cluster CA; a control-plane node whose apiserver.crt came from another CA makes them fail with ${UNKNOWN_AUTHORITY}.`,
  },
  {
    id: "kubeadm-apiserver-kubelet-client-trusted-by-kubelets",
    leafRole: "kubeadm-apiserver-kubelet-client",
    anchorRole: "kubeadm-ca",
    scope: "cluster",
    consequence: "kubelets reject the API server's client certificate: `kubectl logs`, `exec` and `port-forward` fail with Unauthorized.",
  },
  {
    id: "kubeadm-kubelet-client-trusted-by-cluster-ca",
    leafRole: "kubelet-client-current",
    anchorRole: "kubeadm-ca",
    scope: "cluster",
    consequence: "The API server rejects this kubelet's client certificate, so the node goes NotReady.",
  },
  {
    id: "kubeadm-admin-trusted-by-cluster-ca",
    leafRole: "kubeadm-admin-conf",
    anchorRole: "kubeadm-ca",
    scope: "cluster",
    consequence: "kubectl with admin.conf is rejected as Unauthorized by API servers that use this CA.",
  },
  {
    id: "kubeadm-etcd-server-trusted-by-local-etcd-ca",
    leafRole: "kubeadm-etcd-server",
    anchorRole: "kubeadm-etcd-ca",
    scope: "same-node",
    consequence: `The local kube-apiserver verifies etcd against etcd/ca.crt; it fails with ${UNKNOWN_AUTHORITY} and the control plane on this node stops.`,
  },
  {
    id: "kubeadm-etcd-peer-trusted-by-members",
    leafRole: "kubeadm-etcd-peer",
    anchorRole: "kubeadm-etcd-ca",
    scope: "cluster",
    consequence: "Other etcd members reject this member's peer certificate; it drops out of the cluster and quorum is at risk.",
  },
  {
    id: "kubeadm-apiserver-etcd-client-trusted-by-members",
    leafRole: "kubeadm-apiserver-etcd-client",
    anchorRole: "kubeadm-etcd-ca",
    scope: "cluster",
    consequence: "etcd members reject the API server's client certificate, so the API server cannot read or write cluster state.",
  },
  {
    id: "kubeadm-front-proxy-client-trusted",
    leafRole: "kubeadm-front-proxy-client",
    anchorRole: "kubeadm-front-proxy-ca",
    scope: "cluster",
    consequence: "Aggregated API servers (metrics-server and others) reject proxied requests: `kubectl top` and other aggregated APIs fail.",
  },
  ...rancherRequirements("k3s"),
  ...rancherRequirements("rke2"),
  {
    id: "talos-apiserver-trusted-by-kubernetes-ca",
    leafRole: "talos-apiserver",
    anchorRole: "talos-kubernetes-ca",
    scope: "cluster",
    consequence: `Clients that trust the Talos Kubernetes CA fail with ${UNKNOWN_AUTHORITY} against this API server.`,
  },
  {
    id: "kops-apiserver-trusted-by-kops-ca",
    leafRole: "kops-apiserver",
    anchorRole: "kops-ca",
    scope: "cluster",
    consequence: `Nodes and kubeconfigs that trust the kops CA fail with ${UNKNOWN_AUTHORITY} against this API server.`,
  },
];
