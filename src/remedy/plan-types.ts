/** Types of a renewal plan: ordered steps per distribution, built from a scan's findings. */
import type { Location } from "../model/inventory.js";
import type { CaGroup } from "./ca-variants.js";

/** backup, then fix, then restart, then follow-up (copies of renewed files), then verify. */
export type StepPhase = "backup" | "fix" | "restart" | "follow-up" | "verify";

export interface PlanStep {
  /** Stable kebab-case id, e.g. "kubeadm-renew-leaves". */
  id: string;
  phase: StepPhase;
  title: string;
  /** Where to run it: node names (dump folders), or "cluster" for kubectl/API work. */
  on: string[];
  /** Shell commands in order; `<...>` marks a value the operator fills in. */
  commands: string[];
  /** Services or pods the step restarts. */
  restarts?: string[];
  /** What is broken or degraded while the step runs. */
  meanwhile?: string;
  /** Extra facts: caveats, the distribution's own rules. */
  notes?: string[];
  /** Rule ids of the findings the step addresses. */
  addresses: string[];
}

export interface DistributionPlan {
  distribution: string;
  title: string;
  scope?: string;
  /** Findings this plan answers: rule id and title. */
  findings: Array<{ rule: string; severity: string; title: string }>;
  steps: PlanStep[];
}

export interface Plan {
  /** Bumped when a field changes meaning or goes away; new fields do not bump it. */
  schemaVersion: 1;
  evaluatedAt: string;
  plans: DistributionPlan[];
  /** Findings no plan covers (no location a layout knows). */
  unplanned: Array<{ rule: string; severity: string; title: string; remediation: string }>;
}

/** One finding location as a planner sees it. */
export interface AffectedItem {
  rule: string;
  severity: string;
  ref: string;
  /** The finding's own advice, for places no planner knows. */
  remediation: string;
  location?: Location;
  /** Display name of the node, undefined for cluster objects. */
  node?: string;
  role?: string;
  isCA: boolean;
  /** Name of a Kubernetes CSR object for csr:NAME refs. */
  csrName?: string;
}

export interface PlannerInput {
  distribution: string;
  items: AffectedItem[];
  /** CA identities of this distribution that have several variants. */
  caGroups: CaGroup[];
}

/** Fix and restart steps for one distribution; backup and verify steps are added around them. */
export type Planner = (input: PlannerInput) => PlanStep[];

/** Unique, sorted. */
export function uniq(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined))].sort();
}

export function rulesOf(items: readonly AffectedItem[]): string[] {
  return uniq(items.map((i) => i.rule));
}

export function nodesOf(items: readonly AffectedItem[]): string[] {
  const nodes = uniq(items.map((i) => i.node));
  return nodes.length > 0 ? nodes : ["cluster"];
}
