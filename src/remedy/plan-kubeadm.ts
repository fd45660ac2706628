/** Renewal steps for kubeadm control planes and kubelets (kubeadm and kubelet layouts). */
import { CA_ROLES, RENEW_NAMES } from "../layouts/renewal-kubeadm.js";
import { nodesOf, rulesOf, uniq, type AffectedItem, type PlanStep, type Planner } from "./plan-types.js";

/** Which static pod loads a renewed file; admin/super-admin are for people, not pods. */
const RESTARTS: Readonly<Record<string, string>> = {
  apiserver: "kube-apiserver",
  "apiserver-kubelet-client": "kube-apiserver",
  "apiserver-etcd-client": "kube-apiserver",
  "front-proxy-client": "kube-apiserver",
  "etcd-server": "etcd",
  "etcd-peer": "etcd",
  "etcd-healthcheck-client": "etcd",
  "controller-manager.conf": "kube-controller-manager",
  "scheduler.conf": "kube-scheduler",
};

export const planKubeadm: Planner = ({ items }) => {
  const steps: PlanStep[] = [];
  const leaves = items.filter((i) => !i.isCA && i.role !== undefined && RENEW_NAMES[i.role] !== undefined);
  const cas = items.filter((i) => i.role !== undefined && (CA_ROLES.has(i.role) || i.role === "kubeadm-cluster-info"));
  const kubeconfigCas = items.filter((i) => i.role?.endsWith("-conf-ca") === true && i.role !== "kubeadm-bootstrap-kubelet-conf-ca");
  if (cas.length > 0) steps.push(caRotation(cas));
  if (leaves.length > 0) steps.push(...renewLeaves(leaves));
  if (kubeconfigCas.length > 0) {
    const files = uniq(kubeconfigCas.map((i) => i.role!.replace(/^kubeadm-/, "").replace(/-conf-ca$/, "")));
    steps.push({
      id: "kubeadm-regenerate-kubeconfigs",
      phase: "fix",
      title: "Regenerate kubeconfigs whose embedded CA is not the cluster CA",
      on: nodesOf(kubeconfigCas),
      commands: files.flatMap((f) => [`mv /etc/kubernetes/${f}.conf /root/${f}.conf.old`, `kubeadm init phase kubeconfig ${f}`]),
      notes: ["kubeadm refuses to overwrite a kubeconfig whose CA differs, hence the move first."],
      addresses: rulesOf(kubeconfigCas),
    });
  }
  return steps;
};

function renewLeaves(leaves: AffectedItem[]): PlanStep[] {
  const names = uniq(leaves.map((i) => RENEW_NAMES[i.role!]));
  const restarts = uniq(names.map((n) => RESTARTS[n]));
  const nodes = nodesOf(leaves);
  const steps: PlanStep[] = [
    {
      id: "kubeadm-renew-leaves",
      phase: "fix",
      title: `Renew ${names.join(", ")} with kubeadm`,
      on: nodes,
      commands: ["kubeadm certs check-expiration", ...names.map((n) => `kubeadm certs renew ${n}`)],
      notes: [
        "Every control-plane node has its own copies: run this on each node listed, one node at a time.",
        "`kubeadm certs renew` re-signs with the existing CA and writes a new key, which also fixes a key that does not match its certificate.",
      ],
      addresses: rulesOf(leaves),
    },
  ];
  if (restarts.length > 0) {
    steps.push({
      id: "kubeadm-restart-static-pods",
      phase: "restart",
      title: `Restart ${restarts.join(", ")} so they load the renewed files`,
      on: nodes,
      commands: restarts.flatMap((p) => [`mv /etc/kubernetes/manifests/${p}.yaml /etc/kubernetes/`, "sleep 20", `mv /etc/kubernetes/${p}.yaml /etc/kubernetes/manifests/`]),
      restarts,
      meanwhile: `${restarts.join(", ")} on that node is down for about 20–60 s; with a single control-plane node the Kubernetes API is unavailable meanwhile (running pods are not affected).`,
      notes: ["`kubeadm certs renew` restarts nothing itself. `systemctl restart kubelet` does not restart static pods whose manifest is unchanged."],
      addresses: rulesOf(leaves),
    });
  }
  if (names.includes("admin.conf") || names.includes("super-admin.conf")) {
    steps.push({
      id: "kubeadm-copy-admin-kubeconfig",
      phase: "follow-up",
      title: "Copy the renewed admin.conf to wherever it was copied",
      on: nodes,
      commands: ["cp /etc/kubernetes/admin.conf $HOME/.kube/config"],
      notes: ["Copies such as ~/.kube/config and CI secrets keep the old client certificate until replaced."],
      addresses: rulesOf(leaves.filter((l) => /admin/.test(l.role ?? ""))),
    });
  }
  return steps;
}

function caRotation(cas: AffectedItem[]): PlanStep {
  return {
    id: "kubeadm-rotate-ca",
    phase: "fix",
    title: "Rotate the kubeadm CA by hand (kubeadm cannot renew a CA)",
    on: nodesOf(cas),
    commands: [
      "# 1. put the new CA next to the old one in every trust bundle (ca.crt on every node, kubeconfigs' certificate-authority-data, kube-public/cluster-info)",
      "# 2. re-issue every leaf and kubeconfig from the new CA: kubeadm certs renew all (with the new ca.crt/ca.key in /etc/kubernetes/pki)",
      "# 3. restart the control-plane static pods and kubelets, node by node",
      "# 4. remove the old CA from the bundles",
      "kubeadm certs check-expiration",
    ],
    restarts: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubelet"],
    meanwhile: "Between steps 1 and 4 both CAs are trusted, so nothing breaks if the order is kept; skipping step 1 makes every kubelet and client fail with `x509: certificate signed by unknown authority` until it gets the new CA.",
    notes: ['Follow the Kubernetes guide "Manual rotation of CA certificates"; `certdoctor rotation` shows which nodes each phase has reached.'],
    addresses: rulesOf(cas),
  };
}

export const planKubelet: Planner = ({ items }) => {
  const steps: PlanStep[] = [];
  const blocked = items.filter((i) => i.rule === "kubelet-rotation-blocked");
  const expired = items.filter((i) => i.role === "kubelet-client-current" && i.rule === "cert-expired");
  const selfSigned = items.filter((i) => i.role === "kubelet-self-signed-serving");
  const serving = items.filter((i) => i.role === "kubelet-server-current");
  const blockedNodes = new Set(blocked.map((b) => b.node));
  const expiring = items.filter((i) => i.role === "kubelet-client-current" && i.rule === "cert-expiring" && !blockedNodes.has(i.node));
  if (blocked.length > 0) {
    const nodes = nodesOf(blocked);
    steps.push({
      id: "kubelet-restore-rotation-symlink",
      phase: "fix",
      title: "Make kubelet-client-current.pem a symlink again so kubelet can rotate",
      on: nodes,
      commands: [
        "grep -i rotateCertificates /var/lib/kubelet/config.yaml   # must be true (kubeadm's default)",
        "cd /var/lib/kubelet/pki",
        'f=kubelet-client-$(date +%Y-%m-%d-%H-%M-%S).pem && mv kubelet-client-current.pem "$f" && ln -s "$f" kubelet-client-current.pem',
        "systemctl restart kubelet",
      ],
      restarts: ["kubelet"],
      meanwhile: "The node reports no status for a few seconds; running pods keep running.",
      notes: ["Once kubelet restarts with a symlink it requests a new client certificate by CSR when 70–90 % of the lifetime has passed."],
      addresses: uniq([...rulesOf(blocked), ...items.filter((i) => blockedNodes.has(i.node)).map((i) => i.rule)]),
    });
  }
  if (expired.length > 0) {
    steps.push({
      id: "kubelet-reissue-client",
      phase: "fix",
      title: "Issue a new kubelet client certificate (an expired one cannot rotate)",
      on: ["cluster", ...nodesOf(expired)],
      commands: [
        "kubeadm kubeconfig user --org system:nodes --client-name system:node:<node> > kubelet.conf   # on a control-plane node",
        "# copy kubelet.conf to /etc/kubernetes/kubelet.conf on <node>, then:",
        "systemctl restart kubelet",
      ],
      restarts: ["kubelet"],
      meanwhile: "The node is NotReady until kubelet is back with a valid certificate.",
      addresses: rulesOf(expired),
    });
  }
  if (expiring.length > 0) {
    steps.push({
      id: "kubelet-check-rotation",
      phase: "fix",
      title: "Check why kubelet has not rotated its client certificate yet",
      on: nodesOf(expiring),
      commands: ["journalctl -u kubelet | grep -i certificate", "kubectl get csr   # a Pending kubernetes.io/kube-apiserver-client-kubelet CSR needs approval"],
      addresses: rulesOf(expiring),
    });
  }
  if (selfSigned.length > 0) {
    steps.push({
      id: "kubelet-renew-self-signed-serving",
      phase: "fix",
      title: "Regenerate kubelet's self-signed serving certificate (kubelet never renews it)",
      on: nodesOf(selfSigned),
      commands: ["rm /var/lib/kubelet/pki/kubelet.crt /var/lib/kubelet/pki/kubelet.key", "systemctl restart kubelet"],
      restarts: ["kubelet"],
      addresses: rulesOf(selfSigned),
    });
  }
  if (serving.length > 0) {
    steps.push({
      id: "kubelet-approve-serving-csrs",
      phase: "fix",
      title: "Approve kubelet serving CSRs (never auto-approved)",
      on: ["cluster"],
      commands: ["kubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving", "kubectl certificate approve <csr>"],
      addresses: rulesOf(serving),
    });
  }
  return steps;
};
