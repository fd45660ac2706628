import type { Placement } from "./types.js";

/** Kubernetes object names are DNS subdomains: at most 253 characters. */
const MAX_OBJECT_NAME = 253;

interface ObjectEntry {
  kind: "secret" | "configmap";
  /** Namespace, or undefined for "any namespace". */
  namespace?: string;
  name: RegExp;
  keys: readonly string[];
  placement: Omit<Placement, "backup" | "node">;
}

// Well-known cluster objects. Names are matched in any namespace where the installer lets users pick one.
const OBJECTS: readonly ObjectEntry[] = [
  {
    kind: "secret", name: /^casecret$/, keys: ["cadata", "cakeydata"],
    placement: { distribution: "kubeedge", role: "kubeedge-ca", roleTitle: "KubeEdge CA held by CloudCore (Secret casecret)", caIdentity: "kubeedge-ca" },
  },
  {
    kind: "secret", name: /^cloudcoresecret$/, keys: ["cloudcoredata", "cloudcorekeydata"],
    placement: { distribution: "kubeedge", role: "kubeedge-cloudcore-server", roleTitle: "KubeEdge CloudCore serving certificate (Secret cloudcoresecret)" },
  },
  {
    kind: "configmap", name: /^kube-root-ca\.crt$/, keys: ["ca.crt"],
    placement: { distribution: "generic", role: "kube-root-ca-bundle", roleTitle: "cluster CA bundle published to every namespace (kube-root-ca.crt)" },
  },
  {
    kind: "configmap", namespace: "kube-system", name: /^extension-apiserver-authentication$/, keys: ["client-ca-file"],
    placement: { distribution: "generic", role: "apiserver-client-ca-bundle", roleTitle: "API server client CA bundle published for extension API servers" },
  },
  {
    kind: "configmap", namespace: "kube-system", name: /^extension-apiserver-authentication$/, keys: ["requestheader-client-ca-file"],
    placement: { distribution: "generic", role: "apiserver-requestheader-ca-bundle", roleTitle: "front-proxy (request-header) CA bundle published for extension API servers" },
  },
  {
    kind: "configmap", namespace: "kube-public", name: /^cluster-info$/, keys: ["kubeconfig"],
    placement: { distribution: "kubeadm", role: "kubeadm-cluster-info", roleTitle: "kubeadm cluster-info CA used by `kubeadm join`", caIdentity: "kubeadm-ca" },
  },
  {
    kind: "secret", namespace: "kube-system", name: /^k3s-serving$/, keys: ["tls.crt", "tls.key"],
    placement: { distribution: "k3s", role: "k3s-serving-dynamic", roleTitle: "K3s dynamic listener serving certificate (Secret k3s-serving)" },
  },
  {
    kind: "secret", namespace: "kube-system", name: /^rke2-serving$/, keys: ["tls.crt", "tls.key"],
    placement: { distribution: "rke2", role: "rke2-serving-dynamic", roleTitle: "RKE2 dynamic listener serving certificate (Secret rke2-serving)" },
  },
  {
    kind: "secret", name: /^[a-z0-9.-]+-token-[a-z0-9]{5}$/, keys: ["ca.crt"],
    placement: { distribution: "generic", role: "service-account-token-ca", roleTitle: "cluster CA copy in a legacy service-account token Secret" },
  },
];

/** Places `secret:NS/NAME#KEY` and `configmap:NS/NAME#KEY`. Unknown objects (cert-manager Secrets included) stay unplaced. */
export function placeObject(kind: "secret" | "configmap", namespace: string, name: string, key: string): Placement {
  if (name.length > MAX_OBJECT_NAME) return { backup: false };
  for (const o of OBJECTS) {
    if (o.kind !== kind || !o.keys.includes(key) || !o.name.test(name)) continue;
    if (o.namespace !== undefined && o.namespace !== namespace) continue;
    return { ...o.placement, backup: false };
  }
  return { backup: false };
}
