export type Distribution = "kubeadm" | "kubelet" | "k3s" | "rke2" | "kubeedge" | "talos" | "kops" | "etcd" | "generic";

/** Who a certificate location is, on which node. Pure data derived from a path or ref. */
export interface Placement {
  distribution?: Distribution;
  /** Path prefix before the recognised layout root, e.g. "/dump/node1"; "" when the root is "/" itself. Undefined when no layout matched. Two locations with different node values are on different nodes. */
  node?: string;
  /** Stable kebab-case id, e.g. "kubeadm-apiserver", "k3s-server-ca", "kubeedge-edge-cert". */
  role?: string;
  /** Plain words: "kubeadm API server serving certificate". */
  roleTitle?: string;
  /** CA identity for divergence checks: every location with the same caIdentity must hold the same CA key cluster-wide. */
  caIdentity?: string;
  /** Archive/backup location: never a live certificate. */
  backup: boolean;
}

/** Cross-location trust a layout implies: certificates in `leafRole` must verify against the CA in `anchorRole`. */
export interface TrustRequirement {
  id: string;
  leafRole: string;
  anchorRole: string;
  /** "same-node": the anchor on the leaf's own node; "cluster": the anchor on every node (and cluster objects). */
  scope: "same-node" | "cluster";
  consequence: string;
  /** The Verify calls the leaf must pass (extended key usages); defaults to what its role implies. */
  usages?: readonly (readonly ("serverAuth" | "clientAuth" | "any")[])[];
}

/** One recognised file shape below a layout root. */
export interface LayoutEntry {
  distribution: Distribution;
  /** Matched against the rooted path (the path from the layout root on, e.g. "/etc/kubernetes/pki/ca.crt"). Capture group 1, when present, fills `{1}` in role and title. */
  pattern: RegExp;
  role: string;
  roleTitle: string;
  caIdentity?: string;
  /** For kubeconfig files: the caIdentity of the CA embedded under `clusters/`. */
  kubeconfigCa?: string;
}
