import type { RenewalDescriber } from "./renewal-types.js";

const EDGE_REFETCH =
  "On each affected edge node delete /etc/kubeedge/ca/rootCA.crt and /etc/kubeedge/certs/server.crt and server.key, put a valid token in edgecore's config (get one on the cloud side with `keadm gettoken`), and restart edgecore (`systemctl restart edgecore`): it fetches the CA from `https://<cloudcore>:10002/ca.crt` and a new certificate from `https://<cloudcore>:10002/edge.crt`.";

export const describeKubeedge: RenewalDescriber = (placement) => {
  if (placement.distribution !== "kubeedge") return undefined;
  switch (placement.role) {
    case "kubeedge-ca":
      return `CloudCore keeps its CA in Secret kubeedge/casecret (cadata/cakeydata, DER). If the Secret is deleted or replaced CloudCore creates a new CA, and every edge node's /etc/kubeedge/ca/rootCA.crt stops verifying CloudCore (edgecore fails with "x509: certificate signed by unknown authority"). Either restore the previous CA into casecret and restart CloudCore, or move every edge to the new CA: ${EDGE_REFETCH}`;
    case "kubeedge-cloudcore-server":
      return "CloudCore's serving certificate is signed by the CA in kubeedge/casecret and stored in Secret kubeedge/cloudcoresecret (cloudcoredata/cloudcorekeydata). To renew it, delete cloudcoresecret and restart CloudCore so it issues a new one from the same CA; the edge nodes keep working because their rootCA.crt still matches casecret.";
    case "kubeedge-edge-root-ca":
      return `edgecore fetched this CA from CloudCore at first start and never refreshes it. It must be the CA in kubeedge/casecret, or edgecore cannot verify CloudCore. To fix drift, restore the old CA into casecret, or re-fetch: ${EDGE_REFETCH}`;
    case "kubeedge-edge-cert":
      return `edgecore fetched this certificate from CloudCore (\`https://<cloudcore>:10002/edge.crt\`) using the join token; it must be signed by the CA in kubeedge/casecret. To renew it or fix drift: ${EDGE_REFETCH}`;
    default:
      return "KubeEdge CloudStream/other certificate: re-create it from the KubeEdge CA (keadm or certgen.sh), then restart CloudCore and edgecore.";
  }
};

export const describeTalos: RenewalDescriber = (placement, cert) => {
  if (placement.distribution !== "talos") return undefined;
  const role = placement.role ?? "";
  if (role === "talos-kubernetes-ca" || role === "talos-aggregator-ca" || (cert.isCA && role !== "talos-etcd-ca")) {
    return "Talos keeps the Kubernetes PKI in the machine config (cluster.ca); its CAs are valid for 10 years. Rotate with `talosctl rotate-ca --talos=false --kubernetes=true` against the control-plane nodes — it runs as a dry run until you add `--dry-run=false` — then get a fresh admin kubeconfig with `talosctl kubeconfig`.";
  }
  if (role === "talos-etcd-ca") {
    return "Talos keeps the etcd CA in the machine config (cluster.etcd.ca); it is valid for 10 years. Replacing it means changing the machine config of every control-plane node; plan it as a CA rotation, not a renewal.";
  }
  if (role === "talos-kubelet") {
    return "kubelet serving-certificate rotation on Talos needs an approver (for example kubelet-serving-cert-approver): without one the kubernetes.io/kubelet-serving CSRs stay Pending and kubelet TLS (logs, exec, metrics) breaks when the certificate expires.";
  }
  if (role.endsWith("-kubeconfig-ca") || role.endsWith("-kubeconfig")) {
    return "Talos renders this kubeconfig from the machine config and re-issues it itself. For an admin kubeconfig run `talosctl kubeconfig`: admin kubeconfigs are short-lived by design, so fetch a fresh one rather than renewing an old copy.";
  }
  return "Talos issues this from the CA in the machine config and re-issues it itself before expiry. If it is expired or close to it, Talos is not reconciling: check the node clock (`talosctl time`) and `talosctl logs controller-runtime`, or reboot the node (`talosctl reboot`).";
};

const KOPS_REPLACE = "`kops rolling-update cluster --force --yes` (add `--instance-group <name>` to limit it to one group)";

export const describeKops: RenewalDescriber = (placement, cert) => {
  if (placement.distribution !== "kops") return undefined;
  const role = placement.role ?? "";
  if (role === "kops-ca" || (role.endsWith("-ca") && !role.endsWith("-kubeconfig-ca")) || cert.isCA) {
    return "kops keeps its CAs in the state store. Rotate with kops' CA rotation procedure: `kops create keypair kubernetes-ca`, `kops update cluster --yes`, " + KOPS_REPLACE + ", `kops promote keypair kubernetes-ca`, update and roll again, then `kops distrust keypair kubernetes-ca` and `kops export kubeconfig --admin`.";
  }
  const proxy =
    role === "kops-kube-proxy-kubeconfig"
      ? " A running kube-proxy container can keep reading the old client certificate after the node's file was renewed: restart kube-proxy on that node (it is a static pod: replace the node, or move /etc/kubernetes/manifests/kube-proxy.manifest out and back)."
      : "";
  return `kops (nodeup) issues node certificates when the node boots, valid about 455–485 days, and never renews them in place: renew by replacing the nodes with ${KOPS_REPLACE}. Nodes older than a year are the ones at risk.${proxy}`;
};

export const describeEtcd: RenewalDescriber = (placement, cert) => {
  if (placement.distribution !== "etcd") return undefined;
  if (placement.role === "etcd-ca" || cert.isCA) {
    return "etcd trusts the CA named by --trusted-ca-file and --peer-trusted-ca-file. To replace it, append the new CA to those bundles on every member and client and restart them one at a time, re-issue every member and client certificate from the new CA, then remove the old CA.";
  }
  return "Issue a new certificate from the etcd CA with the same names (every host in the member's client and peer URLs), replace the file, and restart that member (`systemctl restart etcd`) — one member at a time, waiting for `etcdctl endpoint health` in between.";
};

export const describeClusterObject: RenewalDescriber = (placement) => {
  switch (placement.role) {
    case "kube-root-ca-bundle":
      return "kube-controller-manager (root-ca-cert-publisher) writes ConfigMap kube-root-ca.crt into every namespace from its --root-ca-file; pods see it as /var/run/secrets/kubernetes.io/serviceaccount/ca.crt. Do not edit it: fix the file (kubeadm: /etc/kubernetes/pki/ca.crt) and restart kube-controller-manager, which republishes it.";
    case "apiserver-client-ca-bundle":
    case "apiserver-requestheader-ca-bundle":
      return "kube-apiserver writes ConfigMap kube-system/extension-apiserver-authentication from its --client-ca-file and --requestheader-client-ca-file when it starts. Do not edit it: fix those files and restart kube-apiserver.";
    case "service-account-token-ca":
      return "A legacy service-account token Secret carries a copy of the cluster CA made when it was created. After a CA change delete the Secret so the token controller re-creates it, or move the workload to projected service-account tokens.";
    default:
      return undefined;
  }
};
