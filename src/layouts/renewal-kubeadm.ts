import type { CertFacts, RenewalDescriber } from "./renewal-types.js";
import { formatDays } from "./renewal-types.js";
import type { Placement } from "./types.js";

/** Role → name accepted by `kubeadm certs renew`. */
export const RENEW_NAMES: Readonly<Record<string, string>> = {
  "kubeadm-apiserver": "apiserver",
  "kubeadm-apiserver-kubelet-client": "apiserver-kubelet-client",
  "kubeadm-apiserver-etcd-client": "apiserver-etcd-client",
  "kubeadm-front-proxy-client": "front-proxy-client",
  "kubeadm-etcd-server": "etcd-server",
  "kubeadm-etcd-peer": "etcd-peer",
  "kubeadm-etcd-healthcheck-client": "etcd-healthcheck-client",
  "kubeadm-admin-conf": "admin.conf",
  "kubeadm-super-admin-conf": "super-admin.conf",
  "kubeadm-controller-manager-conf": "controller-manager.conf",
  "kubeadm-scheduler-conf": "scheduler.conf",
};

export const CA_ROLES = new Set(["kubeadm-ca", "kubeadm-front-proxy-ca", "kubeadm-etcd-ca"]);
const KUBEADM_CA_DAYS = 3650;

const RESTART =
  "`kubeadm certs renew` does not restart anything: restart the control-plane static pods so they load the new files — move their manifests out of /etc/kubernetes/manifests and back (wait about 20 s in between), or restart kubelet (`systemctl restart kubelet`).";
const UPGRADE = "`kubeadm upgrade apply` / `kubeadm upgrade node` renew all leaf certificates automatically, so a cluster upgraded at least once a year never reaches this.";
const KUBELET_CONF_FIX =
  "on a control-plane node run `kubeadm kubeconfig user --org system:nodes --client-name system:node:<node>` (older releases: `kubeadm alpha kubeconfig user`), copy the output to /etc/kubernetes/kubelet.conf on the node, restart kubelet, then point client-certificate/client-key at /var/lib/kubelet/pki/kubelet-client-current.pem so kubelet rotation takes over.";

function describeKubeadmLeaf(name: string): string {
  const copies =
    name === "admin.conf" || name === "super-admin.conf"
      ? ` Copies of ${name} (for example ~/.kube/config) keep the old client certificate: copy the renewed file again.`
      : "";
  return `Run \`kubeadm certs check-expiration\`, then \`kubeadm certs renew ${name}\` (or \`kubeadm certs renew all\`) on every control-plane node — each node has its own copy. ${RESTART}${copies} ${UPGRADE}`;
}

function describeKubeadmCa(cert: CertFacts): string {
  const external =
    cert.lifetimeDays < KUBEADM_CA_DAYS - 30
      ? `This CA's lifetime is ${formatDays(cert.lifetimeDays)} days, not kubeadm's 10-year default, so it was probably supplied from outside kubeadm: renew it with the tool that issued it. `
      : "";
  return `${external}kubeadm issues CAs for 10 years and \`kubeadm certs renew\` cannot renew a CA — it only re-signs leaf certificates with the existing one. Replace it with the Kubernetes "Manual rotation of CA certificates" procedure: trust the new CA alongside the old one everywhere, re-issue every leaf certificate and kubeconfig, restart the components, then remove the old CA. \`kubeadm certs check-expiration\` lists CA expiry under CERTIFICATE AUTHORITY.`;
}

function describeKubeconfigCa(placement: Placement): string {
  const file = (placement.role ?? "").replace(/^kubeadm-/, "").replace(/-conf-ca$/, ".conf");
  return `The CA embedded in /etc/kubernetes/${file} must be the cluster CA in /etc/kubernetes/pki/ca.crt. To regenerate the file with the current CA, move it out of /etc/kubernetes and run \`kubeadm init phase kubeconfig ${file.replace(/\.conf$/, "")}\` on a control-plane node (kubeadm refuses to overwrite a kubeconfig whose CA differs); for kubelet.conf ${KUBELET_CONF_FIX}`;
}

export const describeKubeadm: RenewalDescriber = (placement, cert) => {
  const role = placement.role;
  if (placement.distribution !== "kubeadm") return undefined;
  if (role === undefined) {
    return "This file is in kubeadm's certificate directory but is not one kubeadm creates, so `kubeadm certs renew` will not renew it. Replace the certificate before notAfter and reload the process that uses it.";
  }
  if (CA_ROLES.has(role)) return describeKubeadmCa(cert);
  const name = RENEW_NAMES[role];
  if (name !== undefined) return describeKubeadmLeaf(name);
  switch (role) {
    case "kubeadm-sa":
      return "sa.key/sa.pub is a bare key pair with no expiry; `kubeadm certs renew` leaves it alone. Replacing it invalidates every service-account token signed with it.";
    case "kubeadm-kubelet-conf":
      return `\`kubeadm certs renew\` does not handle kubelet.conf. Since Kubernetes 1.17 kubeadm points it at /var/lib/kubelet/pki/kubelet-client-current.pem, which kubelet rotates itself. If it embeds an expired certificate (client-certificate-data), ${KUBELET_CONF_FIX}`;
    case "kubeadm-bootstrap-kubelet-conf":
    case "kubeadm-bootstrap-kubelet-conf-ca":
      return "bootstrap-kubelet.conf holds a bootstrap token and the cluster CA and is read only for kubelet's first TLS bootstrap; `kubeadm join` writes a fresh one when the node joins again.";
    case "kubeadm-cluster-info":
      return "ConfigMap kube-public/cluster-info holds the CA that `kubeadm join` trusts (checked against --discovery-token-ca-cert-hash). After a CA change put the new CA into its certificate-authority-data (`kubectl -n kube-public edit configmap cluster-info`), as the Kubernetes \"Manual rotation of CA certificates\" guide describes, and use the new CA hash in join commands.";
    default:
      if (role.endsWith("-conf-ca")) return describeKubeconfigCa(placement);
      return undefined;
  }
};

const KUBELET_ROTATION =
  "kubelet rotates it itself when rotateCertificates is true (kubeadm's default): at 70–90 % of its lifetime it sends a CSR (signer kubernetes.io/kube-apiserver-client-kubelet) that kube-controller-manager approves and signs, writes kubelet-client-<timestamp>.pem and re-points kubelet-client-current.pem, which must be a symlink to that file.";

export const describeKubelet: RenewalDescriber = (placement) => {
  if (placement.distribution !== "kubelet") return undefined;
  switch (placement.role) {
    case "kubelet-client-current":
      return `${KUBELET_ROTATION} If it is near expiry, check rotateCertificates: true in /var/lib/kubelet/config.yaml, that kubelet-client-current.pem is a symlink, and that kube-controller-manager signs CSRs (--cluster-signing-cert-file). Once expired kubelet cannot rotate any more: on kubeadm ${KUBELET_CONF_FIX} Or re-join the node.`;
    case "kubelet-client-rotated":
    case "kubelet-server-rotated":
      return "An earlier output of kubelet certificate rotation. Only the file that kubelet-client-current.pem / kubelet-server-current.pem points to is in use; kubelet leaves the older ones behind. If this is not the symlink's target, delete it.";
    case "kubelet-self-signed-serving":
      return "kubelet's self-signed serving certificate (kubelet.crt/kubelet.key) is NEVER renewed by kubelet. Delete both /var/lib/kubelet/pki/kubelet.crt and /var/lib/kubelet/pki/kubelet.key and restart kubelet (`systemctl restart kubelet`) to get a new one, or enable serverTLSBootstrap: true with an approver so the serving certificate is issued by the cluster and rotated.";
    case "kubelet-server-current":
      return "With serverTLSBootstrap: true kubelet requests its serving certificate through CSRs with signer kubernetes.io/kubelet-serving, and kube-controller-manager never auto-approves those. Check the node's names in `kubectl get csr` and approve with `kubectl certificate approve <csr>`, or run an approver (for example kubelet-serving-cert-approver); until then the old certificate stays in use and expires.";
    default:
      return "kubelet does not manage this file. Replace the certificate before notAfter and restart kubelet (`systemctl restart kubelet`).";
  }
};
