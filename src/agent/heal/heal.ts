/**
 * One heal pass over a node scan: each repair the policy names detects its candidates, checks them, and
 * (unless dry-run, quiet hours or the daily limit say otherwise) acts; the journal records every action
 * before its first write; one rescan after all actions verifies each. Every candidate becomes an event.
 */
import { createHash } from "node:crypto";
import type { ScanResult } from "../../engine/types.js";
import { fileRef, formatRef } from "../../model/ref.js";
import { isQuietTime } from "./policy.js";
import type { Journal, JournalEntry } from "./journal.js";
import { repairs as allRepairs } from "./repairs.js";
import type { ApplyHooks, HealCandidate, HealContext, HealEvent, HealReport, PreparedAction, Repair } from "./types.js";

export interface HealPassOptions {
  dryRun: boolean;
  journal: Journal;
  hooks?: ApplyHooks;
  /** The repairs to consider (tests); default every registered repair the policy names. */
  repairs?: readonly Repair[];
}

export interface HealPass {
  report: HealReport;
  /** The verification rescan, when anything was written: the report to send is this one. */
  rescan?: ScanResult;
}

/** An event before it is named: its situation key (absent for an interruption, which has its action id). */
type Draft = Omit<HealEvent, "eventId" | "targetRef"> & { key?: string };

interface Applied {
  repair: Repair;
  candidate: HealCandidate;
  event: Draft;
}

export async function runHealPass(scan: ScanResult, ctx: HealContext, options: HealPassOptions, rescan: () => Promise<ScanResult>): Promise<HealPass> {
  const { journal } = options;
  const interrupted = journal.unreportedInterruptions();
  const events: Draft[] = interrupted.map(interruptedEvent);
  if (!options.dryRun) for (const e of interrupted) journal.update(e.id, { reportedAt: ctx.now.toISOString() });
  const applied: Applied[] = [];
  const enabled = (options.repairs ?? allRepairs).filter((r) => ctx.policy.repairs[r.id] !== undefined);
  for (const repair of enabled) {
    for (const candidate of repair.detect(scan, ctx)) {
      const base = { repair: repair.id, target: candidate.target, key: candidate.key, found: candidate.found, checks: [], changes: [] };
      const failed = journal.failedVerification(candidate.key);
      if (failed !== undefined) {
        events.push({ ...base, id: failed.id, outcome: "backed-off", reason: "FailedVerificationBefore", message: `${repair.id} on ${candidate.target} failed verification before (${failed.id}): not repeated. Fix it by hand or undo with certdoctor agent --undo ${failed.id}` });
        continue;
      }
      const prepared = await repair.prepare(candidate, ctx, scan);
      const event: Draft = { ...base, checks: prepared.checks, changes: prepared.planned, outcome: "refused", message: "", ...(prepared.restart ? { restart: prepared.restart } : {}) };
      events.push(event);
      if (prepared.apply === undefined) {
        const why = prepared.checks.find((c) => !c.ok);
        event.changes = [];
        event.reason = why?.name ?? "Check";
        event.message = `refused: ${why?.name ?? "check"} failed (${why?.detail ?? "no detail"}); nothing written`;
        continue;
      }
      const limit = limitReached(journal, ctx);
      if (options.dryRun) {
        event.outcome = "would-heal";
        event.reason = "DryRun";
        event.message = `every check passed; --heal-dry-run wrote nothing${limit === undefined ? "" : ` (a real run would wait: ${limit})`}`;
        continue;
      }
      if (limit !== undefined) {
        event.outcome = "deferred";
        event.reason = isQuietTime(ctx.policy, ctx.now) ? "QuietHours" : "DailyLimit";
        event.changes = [];
        event.message = `${limit}; nothing written, retried on a later cycle`;
        continue;
      }
      const entry = startEntry(journal, repair, candidate, prepared, ctx.now);
      event.id = entry.id;
      try {
        const actual = prepared.apply(options.hooks ?? {});
        if (actual) {
          event.changes = actual.changes;
          journal.update(entry.id, actual);
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "write failed";
        journal.update(entry.id, { state: "failed", failure: code });
        event.outcome = "failed";
        event.message = `the action failed (${code}): ${(err as Error).message.slice(0, 300)}; the previous file is in place`;
        continue;
      }
      applied.push({ repair, candidate, event });
    }
  }
  if (applied.length === 0) return { report: { dryRun: options.dryRun, events: events.map(named) } };
  const after = await rescan();
  for (const { repair, candidate, event } of applied) {
    const verification = repair.verify(after, candidate, ctx);
    event.verification = verification;
    event.outcome = verification.ok ? "healed" : "verification-failed";
    journal.update(event.id!, { state: verification.ok ? "verified" : "verification-failed", verification });
    event.message = verification.ok
      ? `${describeChanges(event)}; ${verification.detail}${event.restart ? `; ${event.restart}` : ""}`
      : `${describeChanges(event)}, but ${verification.detail}: not repeated; certdoctor agent --undo ${event.id} restores the previous files`;
  }
  return { report: { dryRun: options.dryRun, events: events.map(named) }, rescan: after };
}

/** Outcomes of an action the journal recorded: the event is the action, named by its id. */
const ACTED = new Set<HealEvent["outcome"]>(["healed", "failed", "verification-failed", "interrupted"]);

/** The event with its server identity (see HealEvent.eventId) and its target as a ref. */
function named(draft: Draft): HealEvent {
  const { key, ...event } = draft;
  const eventId =
    ACTED.has(event.outcome) && event.id !== undefined
      ? event.id
      : `${event.outcome}-${createHash("sha256").update(`${key ?? event.target}\n${event.outcome}\n${event.reason ?? ""}`).digest("hex").slice(0, 24)}`;
  return { eventId, ...event, targetRef: formatRef(fileRef(event.target)) };
}

/** Why no action may start now, or undefined. */
function limitReached(journal: Journal, ctx: HealContext): string | undefined {
  if (isQuietTime(ctx.policy, ctx.now)) return `inside quiet hours ${ctx.policy.limits.quietHours!.text} UTC`;
  const done = journal.actionsInLastDay(ctx.now);
  if (done >= ctx.policy.limits.maxActionsPerDay) return `the daily limit of ${ctx.policy.limits.maxActionsPerDay} action(s) is reached (${done} in the last 24 hours)`;
  return undefined;
}

function startEntry(journal: Journal, repair: Repair, candidate: HealCandidate, prepared: PreparedAction, now: Date): JournalEntry {
  const entry: JournalEntry = {
    id: journal.newId(now),
    repair: repair.id,
    target: candidate.target,
    key: candidate.key,
    startedAt: now.toISOString(),
    state: "started",
    changes: prepared.planned,
    undo: prepared.undo,
  };
  journal.add(entry);
  return entry;
}

function describeChanges(event: Draft): string {
  return event.changes
    .map((c) => (c.action === "symlinked" ? `made ${c.path} a symlink to ${c.linkTo}` : c.action === "moved" ? `moved ${c.path} to ${c.movedTo}` : `replaced ${c.path} (backup ${c.backup})`))
    .join("; ");
}

function interruptedEvent(e: JournalEntry): Draft {
  return {
    id: e.id,
    repair: e.repair,
    target: e.target,
    outcome: "interrupted",
    found: { rule: "", ref: "", detail: "" },
    checks: [],
    changes: e.changes,
    message: `an earlier run stopped during ${e.id}; every file is whole (old or new content, never partial). The problem is detected again on this scan; certdoctor agent --undo ${e.id} restores what it changed`,
  };
}
