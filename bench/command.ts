/**
 * `npm run bench -- --command [--sizes 20000] [--runs 3]`: issue 17's comparison of whole processes. The
 * `certdoctor scan DIR --format json` command (Node start-up, module loading, scan, the JSON report
 * written to a file) by default and with `--workers 0`, against `python3 bench/baseline.py DIR` (interpreter
 * start-up included), interleaved in the same rounds, each round once on idle cores and once with a CPU
 * burner (a busy loop in another process) running. CPU is user + system of the whole process tree, from
 * GNU time, as is peak RSS. Every certdoctor run's report is read back and must list every certificate
 * of the corpus with a verified issuer for each issued one.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CorpusInfo } from "./corpus.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");
const CLI = join(REPO, "bin", "certdoctor.js");
const BASELINE = join(REPO, "bench", "baseline.py");
const GNU_TIME = "/usr/bin/time";

export const COMMAND_HEADING = "## Whole command";

export interface ProcessRun {
  wall: number;
  cpu: number;
  rssMiB: number;
}

type Client = "certdoctor" | "certdoctor --workers 0" | "python";
const CLIENTS: Client[] = ["certdoctor", "certdoctor --workers 0", "python"];

interface Cell {
  client: Client;
  burner: boolean;
  runs: ProcessRun[];
}

export interface CommandResult {
  info: CorpusInfo;
  cells: Cell[];
  loads: number[];
}

function argv(client: Client, info: CorpusInfo): string[] {
  if (client === "python") return ["python3", BASELINE, info.dir];
  const base = [process.execPath, CLI, "scan", info.dir, "--format", "json", "--now", info.now, "--fail-on", "never"];
  return client === "certdoctor" ? base : [...base, "--workers", "0"];
}

/** Runs `cmd` under GNU time with stdout to `outPath`; the last stderr line is "wall user sys maxrss_kb". */
function timed(cmd: string[], outPath: string): ProcessRun {
  const out = openSync(outPath, "w");
  try {
    const r = spawnSync(GNU_TIME, ["-f", "%e %U %S %M", ...cmd], { stdio: ["ignore", out, "pipe"], encoding: "utf8", maxBuffer: 1 << 24 });
    const last = (r.stderr ?? "").trim().split("\n").pop() ?? "";
    const [wall, user, sys, rss] = last.split(" ").map(Number);
    if (r.status !== 0 || rss === undefined || Number.isNaN(rss)) throw new Error(`${cmd.slice(0, 3).join(" ")} failed (exit ${r.status}): ${(r.stderr ?? "").slice(-400)}`);
    return { wall: wall!, cpu: Math.round((user! + sys!) * 100) / 100, rssMiB: Math.round(rss / 1024) };
  } finally {
    closeSync(out);
  }
}

/** The report must hold every certificate, each issued one with a verified issuer. */
function checkReport(info: CorpusInfo, path: string): string[] {
  const report = JSON.parse(readFileSync(path, "utf8")) as { certificates: Array<{ subject: string; issuer: string; issuers: string[] }> };
  const problems: string[] = [];
  if (report.certificates.length !== info.certificates) problems.push(`report lists ${report.certificates.length} certificates, expected ${info.certificates}`);
  const unverified = report.certificates.filter((c) => c.subject !== c.issuer && c.issuers.length === 0).length;
  if (unverified > 0) problems.push(`${unverified} issued certificates without a verified issuer`);
  return problems;
}

function checkPython(info: CorpusInfo, path: string): string[] {
  const r = JSON.parse(readFileSync(path, "utf8")) as { certificates: number; unverified: number };
  return r.certificates === info.certificates && r.unverified === 0 ? [] : [`python found ${r.certificates} certificates, ${r.unverified} unverified`];
}

function startBurner(): ChildProcess {
  return spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" });
}

export async function runCommandBench(info: CorpusInfo, runs: number, log: (line: string) => void): Promise<{ result: CommandResult; problems: string[] }> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed for CPU and peak RSS of whole processes`);
  const scratch = mkdtempSync(join(tmpdir(), "certdoctor-bench-command-"));
  const cells: Cell[] = [false, true].flatMap((burner) => CLIENTS.map((client) => ({ client, burner, runs: [] as ProcessRun[] })));
  const problems: string[] = [];
  const loads = [loadavg()[0]!];
  try {
    for (let round = 0; round < runs; round++) {
      for (const burner of [false, true]) {
        const b = burner ? startBurner() : undefined;
        try {
          // Rotated each round so drift in the machine's load does not always hit the same client.
          const order = CLIENTS.map((_, i) => CLIENTS[(i + round) % CLIENTS.length]!);
          for (const client of order) {
            const out = join(scratch, "out.json");
            const run = timed(argv(client, info), out);
            problems.push(...(client === "python" ? checkPython(info, out) : checkReport(info, out)).map((p) => `${client}: ${p}`));
            cells.find((c) => c.client === client && c.burner === burner)!.runs.push(run);
            log(`round ${round + 1}${burner ? " (burner)" : ""}: ${client} ${run.wall} s wall, ${run.cpu} CPU-s, ${run.rssMiB} MiB`);
          }
        } finally {
          b?.kill();
        }
        loads.push(loadavg()[0]!);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { result: { info, cells, loads }, problems };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export function renderCommandResult(r: CommandResult): string {
  const cell = (client: Client, burner: boolean) => r.cells.find((c) => c.client === client && c.burner === burner)!;
  const med = (client: Client, burner: boolean, key: keyof ProcessRun) => median(cell(client, burner).runs.map((x) => x[key]));
  const py = { wall: med("python", false, "wall"), cpu: med("python", false, "cpu") };
  const rows = [false, true].flatMap((burner) =>
    CLIENTS.map((client) => {
      const c = cell(client, burner);
      const wall = med(client, burner, "wall");
      const cpu = med(client, burner, "cpu");
      return `| ${client}${burner ? " (CPU burner)" : ""} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${c.runs.map((x) => x.cpu.toFixed(2)).join(", ")} | ${Math.max(...c.runs.map((x) => x.rssMiB))} | ${client === "python" ? "1.00" : (cpu / py.cpu).toFixed(2)} | ${client === "python" || burner ? "—" : (wall / py.wall).toFixed(2)} |`;
    }),
  );
  const cd = { cpu: med("certdoctor", false, "cpu"), wall: med("certdoctor", false, "wall") };
  const burnerRatio = med("certdoctor", true, "wall") / med("certdoctor --workers 0", true, "wall");
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  const now = new Date().toISOString().slice(0, 10);
  return [
    `${COMMAND_HEADING} (${r.info.certificates.toLocaleString("en-US")} certificates, issue 17)`,
    "",
    `\`npm run bench -- --command --sizes ${r.info.certificates} --runs ${r.cells[0]!.runs.length}\`. Measured ${now} on ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, Node ${process.version}.`,
    `Corpus: ${r.info.files.toLocaleString("en-US")} files, ${r.info.occurrences.toLocaleString("en-US")} occurrences. Each run a fresh process under GNU time: \`certdoctor scan DIR --format json\` (report to a file, read back and checked) and \`python3 bench/baseline.py DIR\`; rounds interleaved, order rotated; medians.`,
    `1-minute load average at the start and after each half-round: ${r.loads.map((l) => l.toFixed(1)).join(", ")} (2 cores; above 2 other processes competed for them).`,
    "",
    "| process | wall s (median) | CPU s user+sys (median) | CPU s each run | peak RSS MiB | CPU ÷ python | wall ÷ python |",
    "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ...rows,
    "",
    "Targets (issue 17):",
    "",
    `- total CPU at most 0.5x the Python script's: ${cd.cpu.toFixed(2)} vs ${py.cpu.toFixed(2)} CPU-s = ${(cd.cpu / py.cpu).toFixed(2)}x — ${mark(cd.cpu <= 0.5 * py.cpu)}`,
    `- wall at most 0.33x on 2 idle cores: ${cd.wall.toFixed(2)} vs ${py.wall.toFixed(2)} s = ${(cd.wall / py.wall).toFixed(2)}x — ${mark(cd.wall <= 0.33 * py.wall)}${r.loads[0]! > 1.5 ? " (the cores were not idle: see the load average)" : ""}`,
    `- with a CPU burner, default at most 1.1x \`--workers 0\`: ${burnerRatio.toFixed(2)}x — ${mark(burnerRatio <= 1.1)}`,
    "",
  ].join("\n");
}
