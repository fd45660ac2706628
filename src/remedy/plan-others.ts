/** Renewal steps for KubeEdge, Talos, kops, standalone etcd, cluster objects and anything else. */
import { laggingPlaces } from "./ca-variants.js";
import { nodesOf, rulesOf, uniq, type PlanStep, type Planner } from "./plan-types.js";
import { RENEW_RULES } from "./plan-rules.js";

export const planKubeedge: Planner = ({ items, caGroups }) => {
  const steps: PlanStep[] = [];
  const lagging = new Set<string>();
  for (const g of caGroups) for (const { place, locations } of laggingPlaces(g)) if (locations.some((l) => l.node !== undefined)) lagging.add(place);
  // An edge whose own certificate no longer verifies needs a new one, not only a new rootCA.crt.
  const badEdgeCert = new Set(items.filter((i) => i.role === "kubeedge-edge-cert" && i.node !== undefined).map((i) => i.node!));
  const refetch = [...new Set([...lagging].filter((n) => badEdgeCert.has(n)))].sort();
  const syncOnly = [...lagging].filter((n) => !badEdgeCert.has(n)).sort();
  const onlyCert = [...badEdgeCert].filter((n) => !lagging.has(n)).sort();
  const caRules = rulesOf(items.filter((i) => i.rule === "ca-divergence" || i.rule === "chain-untrusted"));
  const cloudCoreNotes = [
    "CloudCore's CA in Secret kubeedge/casecret is the source of truth. If it was re-created by mistake and most edges still have the old CA, restore the old CA into casecret (from a backup) and restart CloudCore instead (`kubectl -n kubeedge rollout restart deployment cloudcore`).",
  ];
  if (syncOnly.length > 0) {
    steps.push({
      id: "kubeedge-sync-edge-ca",
      phase: "fix",
      title: "Copy CloudCore's CA to the edge nodes' rootCA.crt",
      on: syncOnly,
      commands: [
        "certdoctor fix ca-sync --from secret:kubeedge/casecret#cadata --kube --to /etc/kubeedge/ca/rootCA.crt   # dry run: shows the change",
        "certdoctor fix ca-sync --from secret:kubeedge/casecret#cadata --kube --to /etc/kubeedge/ca/rootCA.crt --apply",
        "systemctl restart edgecore",
      ],
      restarts: ["edgecore"],
      meanwhile: "The edge node is NotReady until edgecore reconnects; its pods keep running offline (edge autonomy).",
      notes: ["Without cluster access on the node, fetch the CA with `curl --cacert <trusted copy> https://<cloudcore>:10002/ca.crt` or pass the Secret dump with --path.", ...cloudCoreNotes],
      addresses: caRules,
    });
  }
  const reissue = uniq([...refetch, ...onlyCert]);
  if (reissue.length > 0) {
    steps.push({
      id: "kubeedge-refetch-edge-certs",
      phase: "fix",
      title: "Let edgecore fetch CloudCore's CA and a new edge certificate",
      on: ["cluster", ...reissue],
      commands: [
        "keadm gettoken   # on the cloud side: the join token",
        "# on each edge node listed:",
        "rm /etc/kubeedge/ca/rootCA.crt /etc/kubeedge/certs/server.crt /etc/kubeedge/certs/server.key",
        "# put the token in /etc/kubeedge/config/edgecore.yaml (modules.edgeHub.token)",
        "systemctl restart edgecore",
      ],
      restarts: ["edgecore"],
      meanwhile: "The edge node is NotReady until edgecore has its new certificate and reconnects; its pods keep running offline.",
      notes: ["edgecore fetches https://<cloudcore>:10002/ca.crt and /edge.crt at start when the files are missing. `keadm join` again does the same.", ...cloudCoreNotes],
      addresses: caRules.length > 0 ? caRules : rulesOf(items),
    });
  }
  const cloudcore = items.filter((i) => i.role === "kubeedge-cloudcore-server" && RENEW_RULES.has(i.rule));
  if (cloudcore.length > 0) {
    steps.push({
      id: "kubeedge-renew-cloudcore",
      phase: "fix",
      title: "Renew CloudCore's serving certificate",
      on: ["cluster"],
      commands: ["kubectl -n kubeedge delete secret cloudcoresecret", "kubectl -n kubeedge rollout restart deployment cloudcore"],
      restarts: ["cloudcore"],
      meanwhile: "Edge nodes lose their connection while CloudCore restarts and reconnect on their own.",
      addresses: rulesOf(cloudcore),
    });
  }
  return steps;
};

export const planTalos: Planner = ({ items, caGroups }) => {
  const steps: PlanStep[] = [];
  const cas = items.filter((i) => i.isCA);
  if (cas.length > 0 || caGroups.length > 0) {
    steps.push({
      id: "talos-rotate-ca",
      phase: "fix",
      title: "Rotate the Kubernetes CA with talosctl",
      on: ["cluster"],
      commands: [
        "talosctl -n <control-plane-node> rotate-ca --talos=false --kubernetes=true   # dry run",
        "talosctl -n <control-plane-node> rotate-ca --talos=false --kubernetes=true --dry-run=false",
        "talosctl kubeconfig",
      ],
      meanwhile: "talosctl moves the cluster through accepted (both CAs trusted) → issuing (new CA signs) → old CA removed, node by node; nothing breaks as long as it completes. `certdoctor rotation` shows which nodes lag.",
      addresses: rulesOf(cas.length > 0 ? cas : items),
    });
  }
  const kubelet = items.filter((i) => i.role === "talos-kubelet");
  if (kubelet.length > 0) {
    steps.push({
      id: "talos-kubelet-serving-approver",
      phase: "fix",
      title: "Approve kubelet serving CSRs (deploy an approver)",
      on: ["cluster"],
      commands: ["kubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving", "kubectl certificate approve <csr>"],
      addresses: rulesOf(kubelet),
    });
  }
  const leaves = items.filter((i) => !i.isCA && i.role !== "talos-kubelet" && RENEW_RULES.has(i.rule));
  if (leaves.length > 0) {
    steps.push({
      id: "talos-reissue",
      phase: "fix",
      title: "Let Talos re-issue its certificates",
      on: nodesOf(leaves),
      commands: ["talosctl -n <node> time", "talosctl -n <node> logs controller-runtime", "talosctl -n <node> reboot   # if it still does not re-issue", "talosctl kubeconfig   # admin kubeconfigs are short-lived: fetch a fresh one"],
      addresses: rulesOf(leaves),
    });
  }
  return steps;
};

export const planKops: Planner = ({ items }) => {
  const cas = items.filter((i) => i.isCA);
  const leaves = items.filter((i) => !i.isCA);
  const steps: PlanStep[] = [];
  if (cas.length > 0) {
    steps.push({
      id: "kops-rotate-ca",
      phase: "fix",
      title: "Rotate the kops CA",
      on: ["cluster"],
      commands: [
        "kops create keypair kubernetes-ca",
        "kops update cluster --yes && kops rolling-update cluster --force --yes",
        "kops promote keypair kubernetes-ca",
        "kops update cluster --yes && kops rolling-update cluster --force --yes",
        "kops distrust keypair kubernetes-ca",
        "kops update cluster --yes && kops rolling-update cluster --force --yes",
        "kops export kubeconfig --admin",
      ],
      meanwhile: "Each rolling update replaces nodes one at a time; workloads move as nodes drain.",
      addresses: rulesOf(cas),
    });
  }
  if (leaves.length > 0) {
    steps.push({
      id: "kops-replace-nodes",
      phase: "fix",
      title: "Replace the nodes (kops never renews node certificates in place)",
      on: nodesOf(leaves),
      commands: ["kops rolling-update cluster --force --yes --instance-group <group>"],
      meanwhile: "Each node is drained and replaced; workloads move to the other nodes.",
      notes: ["nodeup issues certificates valid about 455–485 days at boot: replace every node before it is 455 days old."],
      addresses: rulesOf(leaves),
    });
  }
  return steps;
};

/** CSR objects: approval, not renewal. */
export const planKubernetes: Planner = ({ items }) => {
  const csrs = items.filter((i) => i.csrName !== undefined);
  if (csrs.length === 0) return planGeneric({ distribution: "kubernetes", items, caGroups: [] });
  const names = uniq(csrs.map((c) => c.csrName));
  return [
    {
      id: "kubernetes-approve-csrs",
      phase: "fix",
      title: `Check and approve ${names.join(", ")}`,
      on: ["cluster"],
      commands: [...names.map((n) => `kubectl get csr ${n} -o yaml   # check the requested names and the requester`), ...names.map((n) => `kubectl certificate approve ${n}`)],
      meanwhile: "Until approved, `kubectl logs`, `exec` and metrics scraping fail for the node whose kubelet serving certificate is pending.",
      notes: ["kube-controller-manager never approves kubernetes.io/kubelet-serving CSRs: deploy an approver (kubelet-csr-approver, kubelet-serving-cert-approver) so it does not happen again."],
      addresses: rulesOf(csrs),
    },
  ];
};

/** Standalone etcd and anything no layout knows: the renewal advice, one step per certificate place. */
export const planGeneric: Planner = ({ distribution, items }) => {
  const byRef = new Map<string, typeof items>();
  for (const i of items) if (i.location) byRef.set(i.ref, [...(byRef.get(i.ref) ?? []), i]);
  return [...byRef.entries()].map(([ref, group], n) => ({
    id: `${distribution}-replace-${n + 1}`,
    phase: "fix" as const,
    title: `Replace ${ref}`,
    on: nodesOf(group),
    commands: [],
    notes: uniq(group.map((g) => g.remediation)),
    addresses: rulesOf(group),
  }));
};
