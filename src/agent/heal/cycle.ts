/** The agent loop's side of healing: the journal opened once, the scan the repairs need, one heal pass per cycle, its events in the report. */
import { resolve } from "node:path";
import type { NodeScan, NodeScanOptions } from "../scan-node.js";
import { scanNode } from "../scan-node.js";
import { nodeView } from "../node-view.js";
import type { SpoolLog } from "../spool.js";
import { runHealPass } from "./heal.js";
import { Journal } from "./journal.js";
import type { HealPolicy } from "./policy.js";
import { repairs } from "./repairs.js";
import type { ApplyHooks, HealContext, HealEvent } from "./types.js";

export interface HealOptions {
  policy: HealPolicy;
  dryRun: boolean;
  /** The journal's directory (--heal-state-dir). */
  stateDir: string;
  hooks?: ApplyHooks;
}

export interface OpenHeal {
  options: HealOptions;
  journal: Journal;
  /** The node scan with the sources the enabled repairs need. */
  scanWith(options: Omit<NodeScanOptions, "now">, now: Date): () => Promise<NodeScan>;
}

export function openHeal(options: HealOptions): OpenHeal {
  const journal = Journal.open(options.stateDir);
  return {
    options,
    journal,
    scanWith(scanOptions, now) {
      const ctx: HealContext = { root: resolve(scanOptions.root), now, policy: options.policy };
      const extraSources = repairs.filter((r) => options.policy.repairs[r.id] !== undefined).flatMap((r) => r.sources?.(ctx) ?? []);
      return () => scanNode({ ...scanOptions, now, extraSources: [...(scanOptions.extraSources ?? []), ...extraSources] });
    },
  };
}

/** Runs one heal pass over `scan`; returns the scan to report (the verification rescan when something was written) with the events in it. */
export async function healCycle(heal: OpenHeal, scan: NodeScan, now: Date, rescan: () => Promise<NodeScan>, log: SpoolLog): Promise<NodeScan> {
  const ctx: HealContext = { root: scan.report.agent.root, now, policy: heal.options.policy };
  let after: NodeScan | undefined;
  const pass = await runHealPass(scan.result, ctx, { dryRun: heal.options.dryRun, journal: heal.journal, ...(heal.options.hooks ? { hooks: heal.options.hooks } : {}) }, async () => {
    after = await rescan();
    return after.result;
  });
  const events = pass.report.events.map((e) => eventInNodePaths(e, ctx.root));
  for (const e of events) log(isTrouble(e) ? "warn" : "info", `heal ${e.outcome}`, { repair: e.repair, target: e.target, ...(e.id ? { id: e.id } : {}), message: e.message });
  const chosen = after ?? scan;
  return { ...chosen, report: { ...chosen.report, agent: { ...chosen.report.agent, heal: { ...pass.report, events } } } };
}

/**
 * The event as the node names its files, like the rest of the report (node-view.ts): the finding's ref comes from
 * the scan (host paths under --root) and a check's prose may name a host path. Targets and changes are node paths already.
 */
export function eventInNodePaths(event: HealEvent, root: string): HealEvent {
  const view = nodeView(root);
  if (view === undefined) return event;
  return {
    ...event,
    found: { ...event.found, ref: event.found.ref === "" ? "" : view.ref(event.found.ref), detail: view.text(event.found.detail) },
    checks: event.checks.map((c) => ({ ...c, detail: view.text(c.detail) })),
    ...(event.verification ? { verification: { ...event.verification, detail: view.text(event.verification.detail) } } : {}),
    message: view.text(event.message),
  };
}

function isTrouble(e: HealEvent): boolean {
  return e.outcome === "failed" || e.outcome === "verification-failed" || e.outcome === "interrupted" || e.outcome === "backed-off";
}
