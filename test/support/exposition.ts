/**
 * A strict reader of Prometheus text 0.0.4 / OpenMetrics output for tests: families with their TYPE and
 * HELP, and every sample with its labels and value. Throws on anything malformed, on a family whose
 * samples are not contiguous and on a duplicate series, so tests assert on parsed fields, never on text.
 */
import { execFileSync, spawnSync } from "node:child_process";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, Family>;
  samples: Sample[];
  eof: boolean;
}

// `s`: a label value may hold \r, U+2028 and U+2029 unescaped (the format escapes only \\, " and \n).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/s;

function parseLabels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0 || text[eq + 1] !== '"') throw new Error(`bad labels in ${line}`);
    const name = text.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad label name ${name}`);
    let j = eq + 2;
    let value = "";
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`unterminated label value in ${line}`);
      if (c === '"') break;
      if (c === "\\") {
        const n = text[j + 1];
        if (n === "\\") value += "\\";
        else if (n === '"') value += '"';
        else if (n === "n") value += "\n";
        else throw new Error(`bad escape \\${n} in ${line}`);
        j += 2;
        continue;
      }
      if (c === "\n") throw new Error("raw newline in label value");
      value += c;
      j++;
    }
    if (name in out) throw new Error(`label ${name} twice in ${line}`);
    out[name] = value;
    j++;
    if (text[j] === ",") j++;
    else if (j !== text.length) throw new Error(`expected , after label in ${line}`);
    i = j;
  }
  return out;
}

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  const v = Number(s);
  if (Number.isNaN(v) || s.trim() !== s || s === "") throw new Error(`bad value ${s}`);
  return v;
}

/** The family a sample name belongs to, given the TYPE of the open family. */
function belongs(sample: string, fam: Family, openmetrics: boolean): boolean {
  const suffixes: Record<string, string[]> = {
    gauge: [""],
    counter: openmetrics ? ["_total", "_created"] : [""],
    info: ["_info"],
    histogram: ["_bucket", "_sum", "_count", "_created"],
    untyped: [""],
    unknown: [""],
  };
  return (suffixes[fam.type] ?? [""]).some((s) => sample === fam.name + s);
}

export function parseExposition(text: string, format: "text" | "openmetrics" = "text"): Exposition {
  const om = format === "openmetrics";
  const families = new Map<string, Family>();
  const samples: Sample[] = [];
  const seriesSeen = new Set<string>();
  let current: Family | undefined;
  let eof = false;
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error("output does not end with a newline");
  for (const line of lines) {
    if (eof) throw new Error("content after # EOF");
    if (line === "# EOF") {
      if (!om) throw new Error("# EOF in text format");
      eof = true;
      continue;
    }
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      let fam = families.get(name);
      if (fam === undefined) {
        fam = { name, type: "untyped", help: "", samples: [] };
        families.set(name, fam);
      } else if (fam !== current) throw new Error(`family ${name} is not contiguous`);
      if (kind === "TYPE") fam.type = rest;
      else fam.help = rest;
      current = fam;
      continue;
    }
    if (line.startsWith("#")) throw new Error(`unexpected comment ${line}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line ${line}`);
    const sample: Sample = { name: m[1]!, labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3]!) };
    if (current === undefined || !belongs(sample.name, current, om)) throw new Error(`sample ${sample.name} outside its family`);
    const key = `${sample.name}{${Object.entries(sample.labels).filter(([, v]) => v !== "").sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
    if (seriesSeen.has(key)) throw new Error(`duplicate series ${key}`);
    seriesSeen.add(key);
    current.samples.push(sample);
    samples.push(sample);
  }
  if (om && !eof) throw new Error("OpenMetrics output without # EOF");
  return { families, samples, eof };
}

export function samplesOf(exp: Exposition, name: string): Sample[] {
  return exp.samples.filter((s) => s.name === name);
}

/** Is `promtool` available (Debian's prometheus package)? */
export function hasPromtool(): boolean {
  return spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;
}

/** `promtool check metrics` on an exposition; returns its complaints ("" when clean). Throws if promtool fails to run. */
export function promtoolCheckMetrics(text: string | Buffer): string {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? "" : `\n(exit ${r.status})`);
}

export function promtoolVersion(): string {
  return execFileSync("promtool", ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "";
}
