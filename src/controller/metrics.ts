/**
 * The approver's metrics: decisions by outcome and reason (every policy reason pre-created at 0, so an
 * alert on a rate works before the first refusal), whether this replica leads, and when it last decided.
 * Rendered with the shared exposition writer; served by the approver command on --metrics-addr.
 */
import { ExpositionWriter, renderLabelBlock, type ExpositionFormat } from "../metrics/text-format.js";
import { kubeletServingChain } from "./policies.js";
import { APPROVED_REASON, type Action } from "./reconcile.js";

const NAMES = ["decision", "reason"];

export class ApproverMetrics {
  private readonly decisions = new Map<string, number>();
  leader = 0;
  lastRoundSeconds = 0;

  constructor() {
    this.decisions.set(`approved\u0000${APPROVED_REASON}`, 0);
    for (const p of kubeletServingChain) {
      this.decisions.set(`pending\u0000${p.reason}`, 0);
      this.decisions.set(`denied\u0000${p.reason}`, 0);
    }
  }

  record(action: Action, reason: string): void {
    if (action === "retry") return;
    const key = `${action}\u0000${reason}`;
    this.decisions.set(key, (this.decisions.get(key) ?? 0) + 1);
  }

  count(action: Action, reason: string): number {
    return this.decisions.get(`${action}\u0000${reason}`) ?? 0;
  }

  render(format: ExpositionFormat = "text"): Buffer {
    const w = new ExpositionWriter(format);
    w.family("certdoctor_approver_decisions_total", "counter", "kubelet-serving CSRs decided, by decision (approved, pending = left pending, denied) and reason (CertdoctorApproved or the failed check)");
    for (const [key, v] of [...this.decisions].sort(([a], [b]) => a.localeCompare(b))) w.sample(renderLabelBlock(NAMES, key.split("\u0000")), v);
    w.family("certdoctor_approver_leader", "gauge", "1 while this replica holds the approver Lease (or runs without leader election)");
    w.sample("", this.leader);
    w.family("certdoctor_approver_last_round_timestamp_seconds", "gauge", "Unix time of the last completed decision round");
    w.sample("", this.lastRoundSeconds);
    return Buffer.concat(w.finish().chunks);
  }
}
