/**
 * The parse units of one scan and how sources reach them. A source that names its files (the file
 * source) has them read and parsed on the backend's units — worker threads for large scans — in batches,
 * with a bounded window in flight and results folded into the builder as they come, so memory stays
 * flat. Any other source's items are parsed in chunks on the main thread's own unit. Signature material
 * stays with the unit that parsed a certificate; `verify` runs each task where its material is.
 */
import { availableParallelism } from "node:os";
import type { InventoryBuilder } from "../inventory/build.js";
import type { VerificationPlan } from "../inventory/trust-graph.js";
import { applyVerification } from "../inventory/trust-graph.js";
import type { ParsedBatch } from "../model/batch.js";
import type { RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { isScanIssue, type FileEntry, type ReadContext, type Source } from "../model/scan.js";
import { ParseUnit } from "./parse-unit.js";
import { LocalBackend, WorkerBackend, type ParseBackend } from "./pool.js";

const BATCH_FILES = 64;
/** Below this many files, worker start-up (~0.1-0.2 s) costs more than it saves (1k-certificate bench corpus: 439 files). */
const WORKER_THRESHOLD_FILES = 1000;
const IN_FLIGHT_PER_UNIT = 8;
const SOURCE_CHUNK = 512;
/** Parse-unit id of the main thread's own unit (backend units are numbered from 0). */
const MAIN_UNIT = -1;

export class ParseUnits {
  private readonly main: ParseUnit;
  private backend: ParseBackend | undefined;
  /** Files handed to the backend so far. */
  files = 0;

  /**
   * `workers`: parse workers for file reading; by default, once a scan reaches 1,000 files, one per core
   * but one with the calling thread parsing beside them (see startBackend). `onFile` is called for every file handed on (a progress line).
   */
  constructor(
    private readonly ctx: ReadContext,
    private readonly builder: InventoryBuilder,
    private readonly workers?: number,
    private readonly onFile?: () => void,
  ) {
    this.main = new ParseUnit(ctx);
  }

  /** Reads one source into the builder. */
  async read(source: Source): Promise<void> {
    if (source.files !== undefined) await this.readFiles(source.files(this.ctx));
    else await this.readItems(source.discover(this.ctx));
  }

  /** Checks every planned signature on the unit that holds the issuer's and the subject's material. */
  async verify(plan: VerificationPlan): Promise<void> {
    await Promise.all(
      [...plan.byUnit].map(async ([unit, tasks]) => {
        const spkis = new Map(tasks.map((t) => [t.issuer, plan.spkis.get(t.issuer)!]));
        const verified = unit === MAIN_UNIT ? this.main.verify(tasks, spkis) : await this.backend!.verify(unit, tasks, spkis);
        applyVerification(this.builder.entries, tasks, verified);
      }),
    );
  }

  async close(): Promise<void> {
    this.main.release();
    await this.backend?.close();
  }

  /**
   * `--workers N`: N workers. By default a large scan gets one worker per core but one (at most 7) and the
   * calling thread parses beside them, taking the batches the workers have no time for (WorkerBackend).
   */
  private startBackend(expectMany: boolean): ParseBackend {
    if (this.workers !== undefined) return this.workers > 0 ? new WorkerBackend(this.ctx, this.workers) : new LocalBackend(this.ctx);
    if (!expectMany) return new LocalBackend(this.ctx);
    return new WorkerBackend(this.ctx, Math.max(1, Math.min(availableParallelism() - 1, 7)), new ParseUnit(this.ctx));
  }

  private async readFiles(entries: AsyncIterable<FileEntry | ScanIssue>): Promise<void> {
    // A bounded window of batches in flight: results are folded in as they come, memory stays flat.
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    // Results are folded in dispatch order (the walk's), whichever unit finishes first: the same tree gives
    // the same report — locations, keys and notes in the same order — with any number of workers.
    const finished = new Map<number, { unit: number; result: ParsedBatch }>();
    let dispatched = 0;
    let folded = 0;
    const fold = (seq: number, parsed: { unit: number; result: ParsedBatch }) => {
      finished.set(seq, parsed);
      for (let next = finished.get(folded); next !== undefined; next = finished.get(folded)) {
        finished.delete(folded++);
        this.builder.add(next.unit, next.result);
      }
    };
    const dispatch = async (batch: FileEntry[]) => {
      const backend = (this.backend ??= this.startBackend(true));
      const seq = dispatched++;
      const done: Promise<void> = backend
        .parse(batch)
        .then((parsed) => fold(seq, parsed))
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
      if (inFlight.size >= backend.units * IN_FLIGHT_PER_UNIT) await Promise.race(inFlight);
    };
    let batch: FileEntry[] = [];
    for await (const entry of entries) {
      if (isScanIssue(entry)) {
        this.builder.addIssue(entry);
        continue;
      }
      this.files++;
      this.onFile?.();
      batch.push(entry);
      if (this.files >= WORKER_THRESHOLD_FILES && batch.length >= BATCH_FILES) {
        // The first dispatch carries every file walked so far: split it so both workers start at once.
        for (let i = 0; i < batch.length; i += BATCH_FILES) await dispatch(batch.slice(i, i + BATCH_FILES));
        batch = [];
      }
    }
    if (batch.length > 0) {
      this.backend ??= this.startBackend(false);
      await dispatch(batch);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  }

  private async readItems(items: AsyncIterable<RawItem | ScanIssue>): Promise<void> {
    let chunk: Array<RawItem | ScanIssue> = [];
    for await (const item of items) {
      chunk.push(item);
      if (chunk.length >= SOURCE_CHUNK) {
        this.builder.add(MAIN_UNIT, this.main.parseItems(chunk));
        chunk = [];
      }
    }
    this.builder.add(MAIN_UNIT, this.main.parseItems(chunk));
  }
}
