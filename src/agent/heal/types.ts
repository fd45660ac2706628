/**
 * The vocabulary of automatic repairs (`certdoctor agent --heal POLICY`): a repair detects a candidate in a
 * scan result, checks that acting is safe, acts through the safe writer, is verified by a rescan, and leaves
 * undo steps in the journal. Every candidate becomes one HealEvent in the agent's report, acted on or not.
 */
import type { ScanResult } from "../../engine/types.js";
import type { Source } from "../../model/scan.js";
import type { HealPolicy, RepairId } from "./policy.js";

export type { RepairId } from "./policy.js";

/** One safety check, named in CamelCase (cert-manager's condition reasons), with what it saw. */
export interface HealCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A file the action changed. Paths are as the node names them (`/var/lib/kubelet/pki/...`). */
export interface HealChange {
  path: string;
  /** replaced: new content; symlinked: became a symlink to `linkTo`; moved: renamed to `movedTo`. */
  action: "replaced" | "symlinked" | "moved";
  /** SHA-256 of the certificate DER before and after (certificates only, never key material). */
  oldFingerprint?: string;
  newFingerprint?: string;
  /** Where the previous content is kept (the undo source). */
  backup?: string;
  linkTo?: string;
  movedTo?: string;
}

/** Serialisable inverse of one change, run by `agent --undo` in reverse order. */
export type UndoStep =
  /** Write `backup`'s bytes back to `path`, if `path` still holds the content the action wrote (`expectSha256`). */
  | { op: "restore-content"; path: string; backup: string; expectSha256: string }
  /** Rename `from` back to `to`; `to` must be absent, or the symlink to `expectLinkTo` the action made. */
  | { op: "move-back"; from: string; to: string; expectLinkTo?: string };

export interface HealVerification {
  ok: boolean;
  /** Finding rule ids at the target before the action that the rescan no longer reports. */
  cleared: string[];
  /** What the rescan still reports (rule ids), or why the verification failed. */
  remaining: string[];
  detail: string;
}

export type HealOutcome =
  | "healed" /** acted and the rescan confirmed it */
  | "would-heal" /** --heal-dry-run: every check passed, nothing written */
  | "refused" /** a safety check failed: nothing written */
  | "deferred" /** quiet hours or the daily limit: nothing written, retried on a later cycle */
  | "backed-off" /** the same action failed verification before: never repeated */
  | "failed" /** the action itself failed (the file system refused): the old file is in place */
  | "verification-failed" /** acted, but the rescan still reports the problem: not repeated, --undo restores */
  | "interrupted"; /** an earlier run stopped mid-action: the file is whole (old or new), --undo restores a new one */

/** One line of the agent's report under `agent.heal.events`. */
export interface HealEvent {
  /**
   * The event's identity for the server (stored once per agent and event id, however often it is re-sent): the
   * action id for an action; for an event without one of its own, the same id every cycle for the same
   * situation, outcome and reason (a refusal repeated each cycle is one event, seen again).
   */
  eventId: string;
  /** The journal id of an action (also of a failed one): `agent --undo ID`. */
  id?: string;
  repair: RepairId;
  target: string;
  /** `target` as a location ref (`file:/var/lib/kubelet/pki/kubelet-client-current.pem`). */
  targetRef: string;
  outcome: HealOutcome;
  /** Why nothing was written, as one CamelCase word: the failed check's name, QuietHours, DailyLimit, FailedVerificationBefore, DryRun. */
  reason?: string;
  found: { rule: string; ref: string; detail: string };
  checks: HealCheck[];
  changes: HealChange[];
  verification?: HealVerification;
  /** What must happen next on the node, e.g. "restart kubelet". */
  restart?: string;
  message: string;
}

export interface HealReport {
  dryRun: boolean;
  events: HealEvent[];
}

export interface HealContext {
  /** The node root as the agent sees it. */
  root: string;
  now: Date;
  policy: HealPolicy;
}

/** A problem one repair recognised in a scan result. */
export interface HealCandidate {
  repair: RepairId;
  target: string;
  found: HealEvent["found"];
  /** Identity of the situation (repair, target, certificate): an action that failed verification is never repeated for the same key. */
  key: string;
}

/** The result of the safety checks: `apply` only when every check passed. */
export interface PreparedAction {
  checks: HealCheck[];
  /** The changes that will be made (for the dry run and the journal's record before acting). */
  planned: HealChange[];
  /** Their inverse, recorded before acting so an interrupted action can be undone too. */
  undo: UndoStep[];
  /** Makes the changes; throws (a system error code) when the file system refuses. Returns what differs from `planned`/`undo` (a backup name taken meanwhile). */
  apply?: (hooks: ApplyHooks) => void | { changes: HealChange[]; undo: UndoStep[] };
  /** What must happen on the node afterwards, e.g. "restart kubelet". */
  restart?: string;
}

export interface ApplyHooks {
  /** Called after the journal records the action and before the first write (tests inject a failure here). */
  beforeWrite?: () => void;
}

/** One kind of repair. Room for more: add a module and list it in heal/repairs.ts. */
export interface Repair {
  id: RepairId;
  /** Sources the node scan needs for this repair's detector (CloudCore's serving port), when it has any. */
  sources?(ctx: HealContext): Source[];
  /** Candidates in a scan result; pure. */
  detect(scan: ScanResult, ctx: HealContext): HealCandidate[];
  /** Re-reads what it will touch and checks every safety condition; writes nothing. */
  prepare(candidate: HealCandidate, ctx: HealContext, scan: ScanResult): Promise<PreparedAction>;
  /** After the action: does the rescan no longer show what was found? */
  verify(rescan: ScanResult, candidate: HealCandidate, ctx: HealContext): HealVerification;
}
