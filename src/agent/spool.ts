import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { abortable, isAbortError, preparePrivateDirectory } from "../fs/private-dir.js";
import { isTempFileName, syncDirectory, writeFileAtomic } from "../fs/write-atomic.js";

/** One queued report: `<20-digit sequence>.json` in the spool directory. */
export interface SpoolEntry {
  sequence: number;
  path: string;
  bytes: number;
}

interface SpoolState {
  agentId: string;
  nextSequence: number;
  dropped: number;
}

export type SpoolLog = (level: "info" | "warn", msg: string, fields?: Record<string, unknown>) => void;

const ENTRY = /^(\d{20})\.json$/;
const STATE = "state.json";
const MAX_STATE_BYTES = 4096;

/**
 * Reports waiting for delivery, on disk, in order. Every write is atomic (temp file, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new state, never a torn report. Sequence numbers
 * survive restarts (state.json) and never repeat; with the agent id they are the idempotency key the
 * central side dedupes on. The total size of queued reports is bounded: only when a new report would
 * exceed `maxBytes` are the oldest dropped, counted in state.json and logged as ERR_SPOOL_DROPPED.
 */
export class Spool {
  private state: SpoolState;

  /**
   * Opens the spool in `dir`, creating it (and `rejected/`) without a synchronous call that could spin or
   * block (fs/private-dir.ts). Throws ERR_USAGE (exit 2) when it is not a plain writable directory, an
   * AbortError when `signal` aborts first.
   */
  static async open(dir: string, maxBytes: number, log: SpoolLog, signal?: AbortSignal): Promise<Spool> {
    await preparePrivateDirectory(dir, "--spool-dir", signal);
    await preparePrivateDirectory(join(dir, "rejected"), "--spool-dir", signal);
    try {
      for (const name of await abortable(readdir(dir), signal)) if (isTempFileName(name)) await abortable(unlink(join(dir, name)), signal); // a crash mid-write
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot use --spool-dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? "unusable"}`, { cause: err });
    }
    return new Spool(dir, maxBytes, log);
  }

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly log: SpoolLog,
  ) {
    this.state = this.loadState();
  }

  get agentId(): string {
    return this.state.agentId;
  }

  get dropped(): number {
    return this.state.dropped;
  }

  /** Queues a report. `render` receives the sequence number and the agent id and returns the body. */
  enqueue(render: (sequence: number, agentId: string, dropped: number) => string): SpoolEntry {
    const sequence = this.state.nextSequence;
    this.state.nextSequence++;
    this.saveState();
    const body = render(sequence, this.state.agentId, this.state.dropped);
    const name = `${String(sequence).padStart(20, "0")}.json`;
    this.writeAtomic(name, body);
    const entry = { sequence, path: join(this.dir, name), bytes: Buffer.byteLength(body) };
    this.enforceBound(sequence);
    return entry;
  }

  /** Queued reports, oldest first. */
  pending(): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = ENTRY.exec(name);
      if (m === null) continue;
      try {
        out.push({ sequence: Number(m[1]), path: join(this.dir, name), bytes: statSync(join(this.dir, name)).size });
      } catch {
        // removed meanwhile
      }
    }
    return out.sort((a, b) => a.sequence - b.sequence);
  }

  read(entry: SpoolEntry): Buffer {
    return readFileSync(entry.path);
  }

  /** Delivered: gone for good. */
  remove(entry: SpoolEntry): void {
    unlinkSync(entry.path);
    syncDirectory(this.dir);
  }

  /** Refused by the central side as malformed: kept aside so it does not block newer reports. */
  reject(entry: SpoolEntry): void {
    renameSync(entry.path, join(this.dir, "rejected", `${String(entry.sequence).padStart(20, "0")}.json`));
    syncDirectory(join(this.dir, "rejected"));
    syncDirectory(this.dir);
  }

  private enforceBound(newest: number): void {
    const entries = this.pending();
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    let dropped = 0;
    for (const e of entries) {
      if (total <= this.maxBytes || e.sequence === newest) break;
      unlinkSync(e.path);
      total -= e.bytes;
      dropped++;
    }
    if (dropped === 0) return;
    syncDirectory(this.dir);
    this.state.dropped += dropped;
    this.saveState();
    this.log("warn", "spool full: dropped the oldest undelivered reports", { code: ErrorCode.ERR_SPOOL_DROPPED, dropped, droppedTotal: this.state.dropped, maxBytes: this.maxBytes });
  }

  private loadState(): SpoolState {
    try {
      const bytes = readFileSync(join(this.dir, STATE));
      if (bytes.length > MAX_STATE_BYTES) throw new Error("state too large");
      const s = JSON.parse(bytes.toString("utf8")) as Partial<SpoolState>;
      if (typeof s.agentId === "string" && /^[A-Za-z0-9-]{1,64}$/.test(s.agentId) && Number.isSafeInteger(s.nextSequence) && Number.isSafeInteger(s.dropped)) {
        // Never reuse a sequence number still on disk, even if state.json is older than the queue.
        const last = this.pending().at(-1)?.sequence ?? 0;
        return { agentId: s.agentId, nextSequence: Math.max(s.nextSequence!, last + 1), dropped: s.dropped! };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.log("warn", "spool state unreadable: starting a new agent id", {});
    }
    const last = this.pending().at(-1)?.sequence ?? 0;
    const state = { agentId: randomUUID(), nextSequence: last + 1, dropped: 0 };
    this.state = state;
    this.saveState();
    return state;
  }

  private saveState(): void {
    this.writeAtomic(STATE, JSON.stringify(this.state));
  }

  private writeAtomic(name: string, body: string): void {
    writeFileAtomic(join(this.dir, name), body, { mode: 0o600 });
  }
}
