/**
 * `certdoctor plan`: from a scan's findings, the ordered renewal steps per distribution — what to back
 * up first, which command renews what on which node, what restarts, what breaks meanwhile, and the
 * rescan that shows it worked. Pure: the same scan gives the same plan.
 */
import { dirname } from "node:path";
import type { ScanResult } from "../engine/types.js";
import type { Finding } from "../model/finding.js";
import type { Location } from "../model/inventory.js";
import { parseRef } from "../model/ref.js";
import { findCaGroups, nodeName, type CaGroup } from "./ca-variants.js";
import { planKubeadm, planKubelet } from "./plan-kubeadm.js";
import { planGeneric, planKops, planKubeedge, planKubernetes, planTalos } from "./plan-others.js";
import { planRancher } from "./plan-rancher.js";
import { nodesOf, rulesOf, uniq, type AffectedItem, type DistributionPlan, type Plan, type PlanStep, type Planner } from "./plan-types.js";

export type { Plan, PlanStep, DistributionPlan } from "./plan-types.js";

interface DistributionInfo {
  title: string;
  planner: Planner;
  /** Directories below a node's root that hold this distribution's certificates. */
  backupDirs: readonly string[];
  /** Extra backup commands (datastore snapshots). */
  backupExtra?: readonly string[];
}

const DISTRIBUTIONS: Readonly<Record<string, DistributionInfo>> = {
  kubeadm: { title: "kubeadm", planner: planKubeadm, backupDirs: ["/etc/kubernetes"] },
  kubelet: { title: "kubelet", planner: planKubelet, backupDirs: ["/var/lib/kubelet/pki", "/etc/kubernetes/kubelet.conf"] },
  k3s: { title: "K3s", planner: planRancher, backupDirs: ["/var/lib/rancher/k3s/server/tls", "/var/lib/rancher/k3s/agent", "/etc/rancher/k3s"], backupExtra: ["k3s etcd-snapshot save   # embedded etcd: the CA data lives in the datastore too"] },
  rke2: { title: "RKE2", planner: planRancher, backupDirs: ["/var/lib/rancher/rke2/server/tls", "/var/lib/rancher/rke2/agent", "/etc/rancher/rke2"], backupExtra: ["rke2 etcd-snapshot save"] },
  kubeedge: { title: "KubeEdge", planner: planKubeedge, backupDirs: ["/etc/kubeedge"], backupExtra: ["certdoctor backup --kube --namespace kubeedge --key-file <key-file> --output kubeedge-secrets.cdbk   # casecret (with the CA key) and cloudcoresecret"] },
  talos: { title: "Talos", planner: planTalos, backupDirs: [], backupExtra: ["talosctl -n <control-plane-node> etcd snapshot etcd.snapshot", "talosctl -n <node> get machineconfig -o yaml > <node>-machineconfig.yaml   # holds the CA keys: keep it encrypted"] },
  kops: { title: "kops", planner: planKops, backupDirs: [], backupExtra: ["kops get keypairs   # the state store keeps the CAs: make sure its bucket has versioning on"] },
  etcd: { title: "etcd", planner: planGeneric, backupDirs: [] },
  kubernetes: { title: "Kubernetes API objects", planner: planKubernetes, backupDirs: [] },
  generic: { title: "Other certificates", planner: planGeneric, backupDirs: [] },
};
const ORDER = Object.keys(DISTRIBUTIONS);

export interface PlanOptions {
  /** The command that rescans the same inputs, shown as the last step. */
  rescan: string;
}

/** Builds the plan for every finding a layout can place. */
export function buildPlan(result: ScanResult, options: PlanOptions): Plan {
  const index = indexLocations(result);
  const caGroups = findCaGroups(result.inventory);
  const groups = new Map<string, { distribution: string; scope?: string; items: AffectedItem[]; findings: Finding[] }>();
  const unplanned: Plan["unplanned"] = [];
  for (const finding of result.findings) {
    const items = finding.locations.map((ref) => toItem(finding, ref, index));
    const placed = items.filter((i) => i.location !== undefined || i.csrName !== undefined);
    if (placed.length === 0) {
      unplanned.push({ rule: finding.rule, severity: finding.severity, title: finding.title, remediation: finding.remediation });
      continue;
    }
    for (const item of placed) {
      const distribution = item.csrName !== undefined ? "kubernetes" : (item.location!.distribution ?? "generic");
      const scope = item.location?.scope;
      const key = `${distribution}|${scope ?? ""}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { distribution: DISTRIBUTIONS[distribution] ? distribution : "generic", ...(scope === undefined ? {} : { scope }), items: [], findings: [] }));
      g.items.push(item);
      if (!g.findings.includes(finding)) g.findings.push(finding);
    }
  }
  const plans: DistributionPlan[] = [];
  for (const g of [...groups.values()].sort((a, b) => ORDER.indexOf(a.distribution) - ORDER.indexOf(b.distribution) || (a.scope ?? "").localeCompare(b.scope ?? ""))) {
    const info = DISTRIBUTIONS[g.distribution]!;
    const ownGroups = caGroups.filter((c) => c.distribution === g.distribution && (c.scope ?? "") === (g.scope ?? ""));
    let fix = info.planner({ distribution: g.distribution, items: g.items, caGroups: ownGroups });
    if (fix.length === 0) fix = planGeneric({ distribution: g.distribution, items: g.items, caGroups: ownGroups });
    const steps = [...backupStep(g.distribution, info, g.items, fix), ...sortSteps(fix), verifyStep(g.distribution, g.items, options.rescan)];
    plans.push({
      distribution: g.distribution,
      title: info.title,
      ...(g.scope === undefined ? {} : { scope: g.scope }),
      findings: g.findings.map((f) => ({ rule: f.rule, severity: f.severity, title: f.title })),
      steps,
    });
  }
  return { schemaVersion: 1, evaluatedAt: result.evaluatedAt.toISOString(), plans, unplanned };
}

/** Fix steps before restarts before follow-ups, each kind in the planner's order. */
function sortSteps(steps: PlanStep[]): PlanStep[] {
  const rank = { backup: 0, fix: 1, restart: 2, "follow-up": 3, verify: 4 } as const;
  return steps.map((s, i) => ({ s, i })).sort((a, b) => rank[a.s.phase] - rank[b.s.phase] || a.i - b.i).map(({ s }) => s);
}

function backupStep(distribution: string, info: DistributionInfo, items: AffectedItem[], fix: PlanStep[]): PlanStep[] {
  const writesFiles = fix.some((s) => s.commands.length > 0 && s.id !== "kubernetes-approve-csrs") || fix.some((s) => s.id.includes("replace"));
  if (!writesFiles) return [];
  const dirs = info.backupDirs.length > 0 ? [...info.backupDirs] : uniq(items.map((i) => i.location).filter((l): l is Location => l?.path !== undefined).map((l) => dirname(l.path!.slice((l.node ?? "").length) || "/")));
  const nodes = nodesOf(items).filter((n) => n !== "cluster");
  const commands = [
    ...(dirs.length > 0 ? [`certdoctor backup ${dirs.map((d) => `--path ${d}`).join(" ")} --key-file <key-file> --output <node>-${distribution}.cdbk`] : []),
    ...(info.backupExtra ?? []),
  ];
  return [
    {
      id: `${distribution}-backup`,
      phase: "backup",
      title: "Back up the certificate directories first",
      on: nodes.length > 0 ? nodes : ["cluster"],
      commands,
      notes: ["The archive is encrypted (AES-256-GCM); keep the key file off the node. `certdoctor restore <archive>` lists what it would write before writing anything."],
      addresses: [],
    },
  ];
}

function verifyStep(distribution: string, items: AffectedItem[], rescan: string): PlanStep {
  return {
    id: `${distribution}-verify`,
    phase: "verify",
    title: "Rescan the same inputs: these findings should be gone",
    on: ["cluster"],
    commands: [rescan],
    notes: [`Expect no more ${rulesOf(items).join(", ")} findings for the places above.`],
    addresses: rulesOf(items),
  };
}

interface LocationIndex {
  byRef: Map<string, { location: Location; isCA: boolean }>;
}

function indexLocations(result: ScanResult): LocationIndex {
  const byRef = new Map<string, { location: Location; isCA: boolean }>();
  for (const cert of result.certificates) for (const location of cert.locations) if (!byRef.has(location.ref)) byRef.set(location.ref, { location, isCA: cert.record.isCA });
  for (const key of result.keys) if (!byRef.has(key.location.ref)) byRef.set(key.location.ref, { location: key.location, isCA: false });
  return { byRef };
}

function toItem(finding: Finding, ref: string, index: LocationIndex): AffectedItem {
  const hit = index.byRef.get(ref);
  const parsed = parseRef(ref);
  const item: AffectedItem = { rule: finding.rule, severity: finding.severity, ref, remediation: finding.remediation, isCA: hit?.isCA ?? false };
  if (parsed?.kind === "csr") item.csrName = parsed.location;
  if (hit) {
    item.location = hit.location;
    const node = nodeName(hit.location);
    if (node !== undefined) item.node = node;
    if (hit.location.role !== undefined) item.role = hit.location.role;
  }
  return item;
}

export type { CaGroup };
