/**
 * Heal events as the store keeps them: what a node agent's `--heal` repair found, checked, changed and
 * verified (docs/heal.md). One row per agent and event id, however often a report carrying it is re-sent.
 * Public facts only: refs, fingerprints, check names and their prose — never PEM, never key bytes.
 */
import type { RefParts } from "./types.js";

export type HealOutcome = "healed" | "would-heal" | "refused" | "deferred" | "backed-off" | "failed" | "verification-failed" | "interrupted";

export const healOutcomes: readonly HealOutcome[] = ["healed", "would-heal", "refused", "deferred", "backed-off", "failed", "verification-failed", "interrupted"];

export interface HealCheckRecord {
  name: string;
  ok: boolean;
  detail: string;
}

export interface HealChangeRecord {
  /** The file changed, as a ref (`file:/var/lib/kubelet/pki/kubelet-client-current.pem`). */
  ref: string;
  action: "replaced" | "symlinked" | "moved";
  oldFingerprint: string | null;
  newFingerprint: string | null;
  /** Node path of the kept previous content. */
  backup: string | null;
  linkTo: string | null;
  movedTo: string | null;
}

export interface HealVerificationRecord {
  ok: boolean;
  cleared: string[];
  remaining: string[];
  detail: string;
}

/** One event from one agent report. */
export interface ObservedHealEvent {
  eventId: string;
  /** The journal id of the action (`agent --undo ID`), when there is one. */
  actionId: string | null;
  repair: string;
  targetRef: string;
  outcome: HealOutcome;
  reason: string | null;
  dryRun: boolean;
  found: { rule: string; ref: string; detail: string };
  checks: HealCheckRecord[];
  changes: HealChangeRecord[];
  verification: HealVerificationRecord | null;
  restart: string | null;
  message: string;
}

/** A heal event as the API returns it (`kind: "heal"` in the timeline). */
export interface ApiHealEvent {
  kind: "heal";
  id: number;
  /** When it was first reported (the scan time of the first report carrying it). */
  at: string;
  /** When a report carried it last (a refusal repeated each cycle). */
  lastSeenAt: string;
  node: string;
  agentId: string;
  eventId: string;
  actionId: string | null;
  repair: string;
  target: RefParts;
  outcome: HealOutcome;
  reason: string | null;
  dryRun: boolean;
  found: { rule: string; ref: string; detail: string };
  checks: HealCheckRecord[];
  changes: HealChangeRecord[];
  oldFingerprint: string | null;
  newFingerprint: string | null;
  backup: string | null;
  verification: HealVerificationRecord | null;
  restart: string | null;
  message: string;
}

export interface HealEventFilter {
  since?: number;
  until?: number;
  node?: string;
  /** Target refs starting with this (`file:/var/lib/kubelet/`). */
  locationPrefix?: string;
  /** The certificate before or after a change. */
  fingerprint?: string;
  outcome?: HealOutcome[];
  limit: number;
  cursor?: string;
}
