/**
 * The action journal: every action the agent starts, with what it changed and how to undo it, persisted in
 * the heal state directory (written atomically through the safe writer). It is what the daily limit counts,
 * what keeps an action that failed verification from being repeated, and what `agent --undo ID` reads.
 * An entry is written before the first change ("started"), so a crash mid-action is found on the next start.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { isTempFileName, writeFileAtomic } from "../../fs/write-atomic.js";
import { readRegularFile } from "../../remedy/cert-file.js";
import type { RepairId } from "./policy.js";
import type { HealChange, HealVerification, UndoStep } from "./types.js";

export type JournalState = "started" | "interrupted" | "failed" | "verified" | "verification-failed" | "undone";

export interface JournalEntry {
  id: string;
  repair: RepairId;
  /** The node path acted on. */
  target: string;
  key: string;
  startedAt: string;
  state: JournalState;
  changes: HealChange[];
  undo: UndoStep[];
  verification?: HealVerification;
  /** Why the action failed (a system error code), when it did. */
  failure?: string;
  undoneAt?: string;
  /** When an interruption was reported in an event (it is reported once). */
  reportedAt?: string;
}

const FILE = "journal.json";
/** Entries kept; older ones are dropped (their backups stay on disk). */
const MAX_ENTRIES = 1000;
const MAX_JOURNAL_BYTES = 8 * 1024 * 1024;
const DAY_MS = 86_400_000;
const ID = /^heal-\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export class Journal {
  private entries: JournalEntry[];

  private constructor(
    readonly dir: string,
    entries: JournalEntry[],
  ) {
    this.entries = entries;
  }

  /** Opens (creating) the journal in `dir`; entries left "started" by a killed run become "interrupted" (saved with the next write). */
  static open(dir: string): Journal {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const name of readdirSync(dir)) if (isTempFileName(name)) unlinkSync(join(dir, name));
    } catch (err) {
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot use --heal-state-dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? "unusable"}`, { cause: err });
    }
    const journal = new Journal(dir, readEntries(join(dir, FILE)));
    for (const e of journal.entries) if (e.state === "started") e.state = "interrupted";
    return journal;
  }

  /** Interrupted actions not yet reported in an event. */
  unreportedInterruptions(): JournalEntry[] {
    return this.entries.filter((e) => e.state === "interrupted" && e.reportedAt === undefined);
  }

  static isId(value: string): boolean {
    return ID.test(value);
  }

  newId(now: Date): string {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    for (;;) {
      const id = `heal-${stamp}-${randomBytes(3).toString("hex")}`;
      if (this.find(id) === undefined) return id;
    }
  }

  find(id: string): JournalEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  all(): readonly JournalEntry[] {
    return this.entries;
  }

  /** Actions started in the 24 hours before `now` (every state: an undone action still happened). */
  actionsInLastDay(now: Date): number {
    const since = now.getTime() - DAY_MS;
    return this.entries.filter((e) => {
      const t = Date.parse(e.startedAt);
      return t > since && t <= now.getTime();
    }).length;
  }

  /** The action with this key that failed verification, if any: it is never repeated. */
  failedVerification(key: string): JournalEntry | undefined {
    return this.entries.find((e) => e.key === key && e.state === "verification-failed");
  }

  /** Records an entry (before acting). */
  add(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    this.save();
  }

  update(id: string, patch: Partial<Omit<JournalEntry, "id">>): JournalEntry {
    const entry = this.find(id);
    if (entry === undefined) throw new CertdoctorError(ErrorCode.ERR_INTERNAL, `journal has no entry ${id}`);
    Object.assign(entry, patch);
    this.save();
    return entry;
  }

  private save(): void {
    writeFileAtomic(join(this.dir, FILE), JSON.stringify({ version: 1, entries: this.entries }, null, 1) + "\n", { mode: 0o600 });
  }
}

function readEntries(path: string): JournalEntry[] {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, MAX_JOURNAL_BYTES).bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `heal journal ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? "unreadable"}); move it aside to start a new one`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `heal journal ${path} is not JSON; move it aside to start a new one`, { cause: err });
  }
  const entries = (doc as { entries?: unknown })?.entries;
  if ((doc as { version?: unknown })?.version !== 1 || !Array.isArray(entries) || !entries.every(isEntry)) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `heal journal ${path} is not a version 1 journal; move it aside to start a new one`);
  }
  return entries;
}

function isEntry(v: unknown): v is JournalEntry {
  const e = v as Partial<JournalEntry> | null;
  return (
    e !== null &&
    typeof e === "object" &&
    typeof e.id === "string" &&
    ID.test(e.id) &&
    typeof e.repair === "string" &&
    typeof e.target === "string" &&
    typeof e.key === "string" &&
    typeof e.startedAt === "string" &&
    typeof e.state === "string" &&
    Array.isArray(e.changes) &&
    Array.isArray(e.undo)
  );
}
