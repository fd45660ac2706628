import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { abortable, isAbortError, preparePrivateDirectory } from "../fs/private-dir.js";
import { isTempFileName, syncDirectoryAsync, writeFileAtomicAsync } from "../fs/write-atomic.js";

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

export interface SpoolOptions {
  /** Bound on one filesystem call in the spool (default 30 s): beyond it the call counts as stuck (a hung mount). */
  callTimeoutMs?: number;
  /** Every call gives up when it aborts (SIGTERM). */
  signal?: AbortSignal;
}

const ENTRY = /^(\d{20})\.json$/;
const STATE = "state.json";
const MAX_STATE_BYTES = 4096;
/** A spool holds at most this many entries' names (each report is kilobytes; the byte bound ends the queue long before). */
const MAX_ENTRIES = 100_000;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * Reports waiting for delivery, on disk, in order. Every write is atomic (temp file, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new state, never a torn report. Sequence numbers
 * survive restarts (state.json) and never repeat; with the agent id they are the idempotency key the
 * central side dedupes on. The total size of queued reports is bounded: only when a new report would
 * exceed `maxBytes` are the oldest dropped, counted in state.json and logged as ERR_SPOOL_DROPPED.
 *
 * No call is synchronous and each is bounded in time: the spool may sit on a mount that stops answering
 * (NFS, a FUSE daemon gone), and a synchronous call there would block the event loop, so that neither the
 * interval timer nor SIGTERM ever ran again. A call still unanswered after `callTimeoutMs` fails with
 * ERR_SPOOL_UNAVAILABLE; until it returns, every further call fails at once with the same code, so a stuck
 * mount holds one thread of the pool, not all of them.
 */
export class Spool {
  private state: SpoolState = { agentId: "", nextSequence: 1, dropped: 0 };
  /** The call that timed out and has not returned yet. */
  private stuck: { what: string; since: number } | undefined;

  /**
   * Opens the spool in `dir`, creating it (and `rejected/`) without a synchronous call that could spin or
   * block (fs/private-dir.ts). Throws ERR_USAGE (exit 2) when it is not a plain writable directory, an
   * AbortError when `signal` aborts first.
   */
  static async open(dir: string, maxBytes: number, log: SpoolLog, options: SpoolOptions = {}): Promise<Spool> {
    const { signal } = options;
    await preparePrivateDirectory(dir, "--spool-dir", signal);
    await preparePrivateDirectory(join(dir, "rejected"), "--spool-dir", signal);
    try {
      for (const name of await abortable(readdir(dir), signal)) if (isTempFileName(name)) await abortable(unlink(join(dir, name)), signal); // a crash mid-write
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot use --spool-dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? "unusable"}`, { cause: err });
    }
    const spool = new Spool(dir, maxBytes, log, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, signal);
    await spool.loadState();
    return spool;
  }

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly log: SpoolLog,
    private readonly callTimeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get agentId(): string {
    return this.state.agentId;
  }

  get dropped(): number {
    return this.state.dropped;
  }

  /** Queues a report. `render` receives the sequence number and the agent id and returns the body. */
  async enqueue(render: (sequence: number, agentId: string, dropped: number) => string): Promise<SpoolEntry> {
    const sequence = this.state.nextSequence;
    this.state.nextSequence++;
    await this.saveState();
    const body = render(sequence, this.state.agentId, this.state.dropped);
    const name = `${String(sequence).padStart(20, "0")}.json`;
    await this.call(`writing ${name}`, () => writeFileAtomicAsync(join(this.dir, name), body, { mode: 0o600 }));
    const entry = { sequence, path: join(this.dir, name), bytes: Buffer.byteLength(body) };
    await this.enforceBound(sequence);
    return entry;
  }

  /** Queued reports, oldest first. Only regular files count: anything else under an entry's name is never opened. */
  async pending(): Promise<SpoolEntry[]> {
    const names = await this.call("listing", () => readdir(this.dir));
    const out: SpoolEntry[] = [];
    for (const name of names.slice(0, MAX_ENTRIES)) {
      const m = ENTRY.exec(name);
      if (m === null) continue;
      const path = join(this.dir, name);
      const st = await this.call(`inspecting ${name}`, () => lstat(path)).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined; // removed meanwhile
        throw err;
      });
      if (st?.isFile() === true) out.push({ sequence: Number(m[1]), path, bytes: st.size });
    }
    return out.sort((a, b) => a.sequence - b.sequence);
  }

  /** The report's bytes. */
  async read(entry: SpoolEntry): Promise<Buffer> {
    return this.call(`reading ${entry.sequence}`, () => readRegularFile(entry.path, Math.max(this.maxBytes, entry.bytes)));
  }

  /** Delivered: gone for good. */
  async remove(entry: SpoolEntry): Promise<void> {
    await this.call(`removing ${entry.sequence}`, async () => {
      await unlink(entry.path);
      await syncDirectoryAsync(this.dir);
    });
  }

  /** Refused by the central side as malformed: kept aside so it does not block newer reports. */
  async reject(entry: SpoolEntry): Promise<void> {
    await this.call(`setting ${entry.sequence} aside`, async () => {
      await rename(entry.path, join(this.dir, "rejected", `${String(entry.sequence).padStart(20, "0")}.json`));
      await syncDirectoryAsync(join(this.dir, "rejected"));
      await syncDirectoryAsync(this.dir);
    });
  }

  /**
   * One filesystem call (or a short sequence of them), bounded: rejects with ERR_SPOOL_UNAVAILABLE when it
   * has not returned after `callTimeoutMs`, or at once while an earlier call is still stuck; with an
   * AbortError when the signal aborts. The call itself cannot be cancelled: its thread waits for the kernel.
   */
  private call<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.stuck !== undefined) {
      const seconds = Math.round((Date.now() - this.stuck.since) / 1000);
      return Promise.reject(this.unavailable(`${this.stuck.what} has not returned for ${seconds} s; not ${what} meanwhile`));
    }
    const started = Date.now();
    const running = op();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const stuck = { what, since: started };
        this.stuck = stuck;
        running.then(
          () => this.clearStuck(stuck),
          () => this.clearStuck(stuck),
        );
        reject(this.unavailable(`${what} did not return within ${this.callTimeoutMs} ms (a hung mount?)`));
      }, this.callTimeoutMs);
    });
    return abortable(Promise.race([running, deadline]), this.signal).finally(() => clearTimeout(timer));
  }

  private clearStuck(stuck: { what: string; since: number }): void {
    if (this.stuck === stuck) this.stuck = undefined;
  }

  private unavailable(why: string): CertdoctorError {
    return new CertdoctorError(ErrorCode.ERR_SPOOL_UNAVAILABLE, `--spool-dir ${this.dir}: ${why}`);
  }

  private async enforceBound(newest: number): Promise<void> {
    const entries = await this.pending();
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    let dropped = 0;
    for (const e of entries) {
      if (total <= this.maxBytes || e.sequence === newest) break;
      await this.call(`dropping ${e.sequence}`, () => unlink(e.path));
      total -= e.bytes;
      dropped++;
    }
    if (dropped === 0) return;
    await this.call("syncing", () => syncDirectoryAsync(this.dir));
    this.state.dropped += dropped;
    await this.saveState();
    this.log("warn", "spool full: dropped the oldest undelivered reports", { code: ErrorCode.ERR_SPOOL_DROPPED, dropped, droppedTotal: this.state.dropped, maxBytes: this.maxBytes });
  }

  private async loadState(): Promise<void> {
    const last = (await this.pending()).at(-1)?.sequence ?? 0;
    try {
      const bytes = await this.call("reading state.json", () => readRegularFile(join(this.dir, STATE), MAX_STATE_BYTES));
      const s = JSON.parse(bytes.toString("utf8")) as Partial<SpoolState>;
      if (typeof s.agentId === "string" && /^[A-Za-z0-9-]{1,64}$/.test(s.agentId) && Number.isSafeInteger(s.nextSequence) && Number.isSafeInteger(s.dropped)) {
        // Never reuse a sequence number still on disk, even if state.json is older than the queue.
        this.state = { agentId: s.agentId, nextSequence: Math.max(s.nextSequence!, last + 1), dropped: s.dropped! };
        return;
      }
    } catch (err) {
      if (err instanceof CertdoctorError || isAbortError(err)) throw err;
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.log("warn", "spool state unreadable: starting a new agent id", {});
    }
    this.state = { agentId: randomUUID(), nextSequence: last + 1, dropped: 0 };
    await this.saveState();
  }

  private async saveState(): Promise<void> {
    await this.call("writing state.json", () => writeFileAtomicAsync(join(this.dir, STATE), JSON.stringify(this.state), { mode: 0o600 }));
  }
}

/** A regular file of at most `max` bytes; never follows a link or waits on a FIFO (a link or FIFO swapped in since `pending()` fails). */
async function readRegularFile(path: string, max: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    if (st.size > max) throw Object.assign(new Error("too large"), { code: "EFBIG" });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
