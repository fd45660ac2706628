/**
 * Writes the Prometheus exposition formats: text 0.0.4 and OpenMetrics 1.0.0. Pure string/Buffer work,
 * no metric registry: the caller hands families in order and each sample with its label block already
 * rendered, so a label set shared by several families (every `x509_cert_*` series of one certificate)
 * is escaped once. Output is a list of Buffers of about CHUNK_BYTES each, ready to write or cache; with
 * `gzip`, each Buffer is one gzip member of its chunk (members concatenate into one valid gzip stream, RFC 1952
 * §2.2), so a large exposition never exists uncompressed in memory all at once.
 */
import { gzipSync } from "node:zlib";

export type ExpositionFormat = "text" | "openmetrics";
export type MetricType = "gauge" | "counter" | "histogram" | "info";

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

const CHUNK_BYTES = 256 * 1024;
/** Fastest deflate: the exposition compresses about 20x at level 1, and scrape latency matters more than bytes. */
const GZIP_LEVEL = 1;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NEEDS_ESCAPE = /[\\"\n]/;

/** Escapes a label value for both formats: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith("__");
}

/**
 * `a="x",b="y"` for the given names and values. With `omitEmpty`, pairs with an empty value are left
 * out: Prometheus treats an empty label value exactly like an absent label, so the stored series is the same.
 */
export function renderLabelBlock(names: readonly string[], values: readonly string[], omitEmpty = false): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    const v = values[i] ?? "";
    if (omitEmpty && v === "") continue;
    if (out !== "") out += ",";
    out += names[i]! + '="' + escapeLabelValue(v) + '"';
  }
  return out;
}

/** Sample values as both parsers read them: integers exactly, +Inf/-Inf/NaN spelled as the formats want. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Sample-name suffixes each type may use, relative to the family name written in TYPE. */
const SUFFIXES: Record<MetricType, readonly string[]> = {
  gauge: [""],
  counter: ["_total"],
  histogram: ["_bucket", "_sum", "_count"],
  info: ["_info"],
};

/** A family's sample name as text and as the bytes `name{` (ExpositionWriter.line). */
export interface SampleName {
  text: string;
  brace: Buffer;
}

export interface WriterOutput {
  chunks: Buffer[];
  /** Bytes of `chunks` (compressed when gzip). */
  bytes: number;
  /** Bytes of the exposition text. */
  rawBytes: number;
  samples: number;
}

/** Samples cut from a writer (`cut`) to be appended to a later writer of the same format and compression (`append`). */
export interface Piece {
  chunks: readonly Buffer[];
  bytes: number;
  rawBytes: number;
  samples: number;
}

interface OpenFamily {
  /** Family name as in the TYPE line of the chosen format. */
  base: string;
  type: MetricType;
}

/**
 * Streams families and samples into Buffers. Names are checked (a bad name is a programming error
 * and throws); a family may be opened only once, as both formats require.
 */
export class ExpositionWriter {
  private readonly chunks: Buffer[] = [];
  /** The chunk being written: bytes [0, pos) of cur. */
  private cur = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private bytes = 0;
  private rawBytes = 0;
  private samples = 0;
  private current?: OpenFamily;
  private readonly seen = new Set<string>();
  /** Counts at the last `cut` or `append`. */
  private mark = { chunks: 0, bytes: 0, rawBytes: 0, samples: 0 };

  constructor(
    readonly format: ExpositionFormat,
    private readonly gzip = false,
  ) {}

  /**
   * Opens a family. `name` is the sample name of a gauge, the `_total` name of a counter, the base name
   * of a histogram and the `_info` name of an info metric (text 0.0.4 writes info as a gauge).
   */
  family(name: string, type: MetricType, help: string): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    let base = name;
    let typeWord: string = type;
    if (type === "counter" || type === "info") {
      const suffix = type === "counter" ? "_total" : "_info";
      if (!name.endsWith(suffix)) throw new Error(`${type} ${name} must end in ${suffix}`);
      if (this.format === "openmetrics") base = name.slice(0, -suffix.length);
      if (this.format === "text" && type === "info") typeWord = "gauge";
    }
    if (this.seen.has(base)) throw new Error(`metric family ${base} written twice`);
    this.seen.add(base);
    this.current = { base, type };
    this.push(`# HELP ${base} ${escapeHelp(help)}\n# TYPE ${base} ${typeWord}\n`);
  }

  /** One sample of the open family. `suffix` is "" except for histograms (`_bucket`, `_sum`, `_count`). */
  sample(labelBlock: string, value: number, suffix = ""): void {
    const fam = this.current;
    if (fam === undefined) throw new Error("sample written before any family");
    let name: string;
    if (fam.type === "histogram") {
      if (!SUFFIXES.histogram.includes(suffix)) throw new Error(`histogram sample suffix ${suffix}`);
      name = fam.base + suffix;
    } else if (this.format === "openmetrics" && (fam.type === "counter" || fam.type === "info")) {
      name = fam.base + SUFFIXES[fam.type][0]!;
    } else {
      name = fam.base;
    }
    this.push(labelBlock === "" ? `${name} ${formatValue(value)}\n` : `${name}{${labelBlock}} ${formatValue(value)}\n`);
    this.samples++;
  }

  /**
   * The hot path: one sample of the open family from bytes made once per certificate location —
   * `name{` + labels [+ `,` + extra] + `} ` + value + `\n` (or `name value\n` when there are no labels).
   */
  line(name: SampleName, labels: Buffer, extra: Buffer | undefined, value: string): void {
    if (this.current === undefined) throw new Error("samples written before any family");
    if (labels.length === 0 && extra === undefined) {
      this.push(`${name.text} ${value}\n`);
    } else {
      const need = name.brace.length + labels.length + (extra === undefined ? 0 : extra.length + 1) + 2 + value.length + 1;
      if (need > CHUNK_BYTES - this.pos) {
        this.flush();
        if (need > CHUNK_BYTES) {
          const all = extra === undefined ? labels.toString("utf8") : labels.length === 0 ? extra.toString("utf8") : `${labels.toString("utf8")},${extra.toString("utf8")}`;
          this.push(`${name.text}{${all}} ${value}\n`);
          this.samples++;
          return;
        }
      }
      const b = this.cur;
      let p = this.pos;
      p += name.brace.copy(b, p);
      p += labels.copy(b, p);
      if (extra !== undefined) {
        if (labels.length > 0) b[p++] = 0x2c; // ,
        p += extra.copy(b, p);
      }
      b[p++] = 0x7d; // }
      b[p++] = 0x20;
      p += b.write(value, p, "latin1");
      b[p++] = 0x0a;
      this.pos = p;
    }
    this.samples++;
  }

  /** The open family's sample name, ready for `line`. */
  lineName(): SampleName {
    const text = this.sampleName();
    return { text, brace: Buffer.from(`${text}{`, "utf8") };
  }

  /** The open family's sample name for gauges, counters and info metrics in this format. */
  sampleName(): string {
    const fam = this.current;
    if (fam === undefined) throw new Error("no open family");
    if (this.format === "openmetrics" && (fam.type === "counter" || fam.type === "info")) return fam.base + SUFFIXES[fam.type][0]!;
    return fam.base;
  }

  /**
   * Ends the chunk being written and returns everything written since the last cut or append: whole chunks
   * (gzip members when compressing), so the piece can be appended as it is to another exposition.
   */
  cut(): Piece {
    this.flush();
    const m = this.mark;
    const piece: Piece = { chunks: this.chunks.slice(m.chunks), bytes: this.bytes - m.bytes, rawBytes: this.rawBytes - m.rawBytes, samples: this.samples - m.samples };
    this.setMark();
    return piece;
  }

  /** Appends a piece cut from a writer of this format and compression, samples of the family open here. */
  append(piece: Piece): void {
    if (this.current === undefined) throw new Error("samples written before any family");
    this.flush();
    for (const c of piece.chunks) this.chunks.push(c);
    this.bytes += piece.bytes;
    this.rawBytes += piece.rawBytes;
    this.samples += piece.samples;
    this.setMark();
  }

  private setMark(): void {
    this.mark = { chunks: this.chunks.length, bytes: this.bytes, rawBytes: this.rawBytes, samples: this.samples };
  }

  /** A writer of the same format and compression whose families are appended here by `adopt` (parallel families). */
  branch(): ExpositionWriter {
    return new ExpositionWriter(this.format, this.gzip);
  }

  /** Appends a branch's families after everything written so far; the branch is finished. */
  adopt(branch: ExpositionWriter): void {
    for (const name of branch.seen) {
      if (this.seen.has(name)) throw new Error(`metric family ${name} written twice`);
      this.seen.add(name);
    }
    this.flush();
    const out = branch.finish(false);
    for (const c of out.chunks) this.chunks.push(c);
    this.bytes += out.bytes;
    this.rawBytes += out.rawBytes;
    this.samples += out.samples;
    this.current = undefined;
    this.setMark();
  }

  /** Ends the output; OpenMetrics ends with `# EOF` unless more families follow from another writer. */
  finish(last = true): WriterOutput {
    if (last && this.format === "openmetrics") this.push("# EOF\n");
    this.flush();
    return { chunks: this.chunks, bytes: this.bytes, rawBytes: this.rawBytes, samples: this.samples };
  }

  private push(s: string): void {
    // A UTF-16 unit takes at most 3 UTF-8 bytes: measure only when it might not fit.
    if (s.length * 3 > CHUNK_BYTES - this.pos) {
      const n = Buffer.byteLength(s, "utf8");
      if (n > CHUNK_BYTES - this.pos) {
        this.flush();
        if (n > CHUNK_BYTES) {
          this.emit(Buffer.from(s, "utf8"));
          return;
        }
      }
    }
    this.pos += this.cur.write(s, this.pos, "utf8");
  }

  private flush(): void {
    if (this.pos === 0) return;
    const raw = this.cur.subarray(0, this.pos);
    if (this.gzip) {
      this.emit(raw); // compressed into a new Buffer: cur is reused
    } else if (this.pos < CHUNK_BYTES / 4) {
      this.emit(Buffer.from(raw)); // a short piece (see cut) must not hold a whole chunk's memory: copied, cur reused
    } else {
      this.emit(raw);
      this.cur = Buffer.allocUnsafe(CHUNK_BYTES);
    }
    this.pos = 0;
  }

  private emit(raw: Buffer): void {
    const buf = this.gzip ? gzipSync(raw, { level: GZIP_LEVEL }) : raw;
    this.chunks.push(buf);
    this.bytes += buf.length;
    this.rawBytes += raw.length;
  }
}
