import type { LayoutEntry } from "./types.js";

/** KubeEdge edge node files (cloud side lives in Secrets, see objects.ts). */
export const kubeedgeEntries: readonly LayoutEntry[] = [
  { distribution: "kubeedge", pattern: /^\/etc\/kubeedge\/ca\/rootCA\.(?:crt|key)$/, role: "kubeedge-edge-root-ca", roleTitle: "KubeEdge CA as fetched by edgecore (rootCA.crt)", caIdentity: "kubeedge-ca" },
  { distribution: "kubeedge", pattern: /^\/etc\/kubeedge\/certs\/(?:server|edge)\.(?:crt|key)$/, role: "kubeedge-edge-cert", roleTitle: "KubeEdge edge node certificate (edgecore to CloudCore)" },
  { distribution: "kubeedge", pattern: /^\/etc\/kubeedge\/ca\/streamCA\.(?:crt|key)$/, role: "kubeedge-stream-ca", roleTitle: "KubeEdge CloudStream CA", caIdentity: "kubeedge-stream-ca" },
  { distribution: "kubeedge", pattern: /^\/etc\/kubeedge\/certs\/stream\.(?:crt|key)$/, role: "kubeedge-stream-cert", roleTitle: "KubeEdge CloudStream certificate" },
];

/** Talos renders the Kubernetes and etcd PKI from the machine config into /system/secrets. */
export const talosEntries: readonly LayoutEntry[] = [
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/[a-z0-9-]+\/ca\.(?:crt|key)$/, role: "talos-kubernetes-ca", roleTitle: "Talos Kubernetes CA", caIdentity: "talos-kubernetes-ca" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/kube-apiserver\/apiserver\.(?:crt|key)$/, role: "talos-apiserver", roleTitle: "Talos API server serving certificate" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/kube-apiserver\/apiserver-kubelet-client\.(?:crt|key)$/, role: "talos-apiserver-kubelet-client", roleTitle: "Talos API server client certificate for kubelets" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/kube-apiserver\/etcd-client\.(?:crt|key)$/, role: "talos-apiserver-etcd-client", roleTitle: "Talos API server client certificate for etcd" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/kube-apiserver\/aggregator-ca\.(?:crt|key)$/, role: "talos-aggregator-ca", roleTitle: "Talos aggregation layer CA", caIdentity: "talos-aggregator-ca" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/kube-apiserver\/front-proxy-client\.(?:crt|key)$/, role: "talos-front-proxy-client", roleTitle: "Talos front-proxy client certificate" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubernetes\/([a-z0-9]+(?:-[a-z0-9]+)*)\/kubeconfig$/, role: "talos-{1}-kubeconfig", roleTitle: "Talos {1} kubeconfig client certificate", kubeconfigCa: "talos-kubernetes-ca" },
  { distribution: "talos", pattern: /^\/system\/secrets\/etcd\/ca\.(?:crt|key)$/, role: "talos-etcd-ca", roleTitle: "Talos etcd CA", caIdentity: "talos-etcd-ca" },
  { distribution: "talos", pattern: /^\/system\/secrets\/etcd\/(server|peer|admin)\.(?:crt|key)$/, role: "talos-etcd-{1}", roleTitle: "Talos etcd {1} certificate" },
  { distribution: "talos", pattern: /^\/system\/secrets\/kubelet\/.+$/, role: "talos-kubelet", roleTitle: "Talos kubelet certificate" },
];

/** kops nodeup layout: /srv/kubernetes on control-plane nodes, kubeconfigs on every node. */
export const kopsEntries: readonly LayoutEntry[] = [
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/ca\.(?:crt|key)$/, role: "kops-ca", roleTitle: "kops Kubernetes CA", caIdentity: "kops-ca" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kubelet-server\.(?:crt|key)$/, role: "kops-kubelet-server", roleTitle: "kops kubelet serving certificate" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kube-apiserver\/server\.(?:crt|key)$/, role: "kops-apiserver", roleTitle: "kops API server serving certificate" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kube-apiserver\/etcd-client\.(?:crt|key)$/, role: "kops-apiserver-etcd-client", roleTitle: "kops API server client certificate for etcd" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kube-apiserver\/kubelet-api\.(?:crt|key)$/, role: "kops-apiserver-kubelet-client", roleTitle: "kops API server client certificate for kubelets" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kube-apiserver\/apiserver-aggregator\.(?:crt|key)$/, role: "kops-apiserver-aggregator", roleTitle: "kops front-proxy (aggregator) client certificate" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/kube-apiserver\/([a-z0-9]+(?:-[a-z0-9]+)*)-ca\.(?:crt|key)$/, role: "kops-{1}-ca", roleTitle: "kops {1} CA", caIdentity: "kops-{1}-ca" },
  { distribution: "kops", pattern: /^\/srv\/kubernetes\/(kube(?:-[a-z0-9]+)+)\/kubeconfig$/, role: "kops-{1}-kubeconfig", roleTitle: "kops {1} kubeconfig client certificate", kubeconfigCa: "kops-ca" },
  { distribution: "kops", pattern: /^\/var\/lib\/kube-proxy\/kubeconfig$/, role: "kops-kube-proxy-kubeconfig", roleTitle: "kops kube-proxy kubeconfig client certificate", kubeconfigCa: "kops-ca" },
  { distribution: "kops", pattern: /^\/var\/lib\/kubelet\/kubeconfig$/, role: "kops-kubelet-kubeconfig", roleTitle: "kops kubelet kubeconfig client certificate", kubeconfigCa: "kops-ca" },
  { distribution: "kops", pattern: /^\/etc\/kubernetes\/pki\/kube-apiserver\/([a-z0-9]+(?:-[a-z0-9]+)*)\.(?:crt|key)$/, role: "kops-apiserver-{1}", roleTitle: "kops API server {1} certificate" },
  { distribution: "kops", pattern: /^\/etc\/kubernetes\/pki\/etcd-manager-([a-z0-9]+(?:-[a-z0-9]+)*)\/.+\.(?:crt|key)$/, role: "kops-etcd-manager-{1}", roleTitle: "kops etcd-manager ({1}) certificate" },
];
