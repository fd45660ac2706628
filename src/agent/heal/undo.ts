/**
 * `certdoctor agent --undo ACTION_ID`: puts back what one journalled action changed, from its backups. All
 * or nothing: every step's precondition (the file still holds what the action wrote, the backup is there)
 * is checked before the first write, so an undo never overwrites a change made since (a kubelet rotation,
 * a new rootCA.crt) — it refuses and says which file moved on.
 */
import { readlinkSync } from "node:fs";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";
import { readRegularFile } from "../../remedy/cert-file.js";
import { lstatOrUndefined, moveNoClobber, renameOver } from "./file-ops.js";
import { hostPath, refuseOutsideCertificateDirs } from "./guard.js";
import { Journal, type JournalEntry } from "./journal.js";
import { MAX_MATERIAL_BYTES, sha256 } from "./material.js";
import type { UndoStep } from "./types.js";

export interface UndoResult {
  entry: JournalEntry;
  restored: string[];
}

export function undoAction(journal: Journal, root: string, id: string, now: Date): UndoResult {
  if (!Journal.isId(id)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--undo ${id.slice(0, 80)} is not an action id (heal-YYYYMMDDTHHMMSSZ-xxxxxx, from the agent's report)`);
  const entry = journal.find(id);
  if (entry === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--undo ${id}: no such action in the journal in ${journal.dir}`);
  if (entry.state === "undone") throw new CertdoctorError(ErrorCode.ERR_RESTORE_UNSAFE, `--undo ${id}: already undone at ${entry.undoneAt}`);
  const steps = [...entry.undo].reverse();
  const pending = steps.filter((s) => !alreadyUndone(root, s));
  if (pending.length === 0) throw new CertdoctorError(ErrorCode.ERR_RESTORE_UNSAFE, `--undo ${id}: nothing to undo — the action never changed anything (it ${entry.state === "interrupted" ? "was interrupted before its first change" : entry.state})`);
  for (const step of pending) {
    const why = refusal(root, step);
    if (why !== undefined) throw new CertdoctorError(ErrorCode.ERR_RESTORE_UNSAFE, `--undo ${id} refused, nothing restored: ${why}`);
  }
  const restored: string[] = [];
  for (const step of pending) {
    if (step.op === "restore-content") {
      writeFileAtomic(hostPath(root, step.path), readRegularFile(hostPath(root, step.backup), MAX_MATERIAL_BYTES).bytes);
      restored.push(step.path);
    } else {
      const from = hostPath(root, step.from);
      const to = hostPath(root, step.to);
      if (step.expectLinkTo !== undefined && lstatOrUndefined(to) !== undefined) renameOver(from, to);
      else moveNoClobber(from, to);
      restored.push(step.to);
    }
  }
  return { entry: journal.update(id, { state: "undone", undoneAt: now.toISOString() }), restored };
}

/** A step whose effect is not there (an interrupted action that never got to it). */
function alreadyUndone(root: string, step: UndoStep): boolean {
  if (step.op === "restore-content") {
    let current: string;
    try {
      current = sha256(readRegularFile(hostPath(root, step.path), MAX_MATERIAL_BYTES).bytes);
    } catch {
      return false;
    }
    if (current === step.expectSha256) return false;
    // Killed before the backup link, or after it but before the new content's rename: the old file is in place.
    const backup = lstatOrUndefined(hostPath(root, step.backup));
    return backup === undefined || (backup.isFile() && sameContent(root, step.path, step.backup));
  }
  const to = lstatOrUndefined(hostPath(root, step.to));
  const from = lstatOrUndefined(hostPath(root, step.from));
  if (step.expectLinkTo !== undefined) return to?.isFile() === true && (from === undefined || (from.ino === to.ino && from.dev === to.dev));
  return from === undefined && to?.isFile() === true;
}

function sameContent(root: string, a: string, b: string): boolean {
  return sha256(readRegularFile(hostPath(root, a), MAX_MATERIAL_BYTES).bytes) === sha256(readRegularFile(hostPath(root, b), MAX_MATERIAL_BYTES).bytes);
}

/** Why `step` cannot run now, or undefined. */
function refusal(root: string, step: UndoStep): string | undefined {
  for (const p of step.op === "restore-content" ? [step.path, step.backup] : [step.from, step.to]) {
    const outside = refuseOutsideCertificateDirs(root, p);
    if (outside !== undefined) return outside;
  }
  if (step.op === "restore-content") {
    const backup = lstatOrUndefined(hostPath(root, step.backup));
    if (backup?.isFile() !== true) return `the backup ${step.backup} is gone`;
    let current: string;
    try {
      current = sha256(readRegularFile(hostPath(root, step.path), MAX_MATERIAL_BYTES).bytes);
    } catch (err) {
      return `${step.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`;
    }
    if (current !== step.expectSha256) return `${step.path} changed since the action (it no longer holds what the action wrote)`;
    return undefined;
  }
  const from = lstatOrUndefined(hostPath(root, step.from));
  if (from?.isFile() !== true) return `${step.from} is gone`;
  const to = lstatOrUndefined(hostPath(root, step.to));
  if (to === undefined) return undefined;
  if (step.expectLinkTo !== undefined && to.isSymbolicLink() && readlinkSync(hostPath(root, step.to)) === step.expectLinkTo) return undefined;
  return `${step.to} changed since the action (${to.isSymbolicLink() ? `a symlink to ${readlinkSync(hostPath(root, step.to))}` : "a file"} is there now)`;
}
