/** Runs bench/baseline.py (Python `cryptography`) when Python and the package are available. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The script is not compiled: from dist/bench/ it lives at <repo>/bench/baseline.py. */
const SCRIPT = resolve(HERE, "..", "..", "bench", "baseline.py");

export interface BaselineReport {
  certificates: number;
  verified: number;
  unverified: number;
  seconds: number;
  peakRssMiB: number;
  files: number;
  occurrences: number;
  yamlSkipped: number;
  errors: number;
  cryptography: string;
  yaml: string;
}

export type BaselineAvailability = { ok: true; python: string; cryptography: string } | { ok: false; reason: string };

function probeCryptography(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import cryptography; print(cryptography.__version__)"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** Finds python3 + cryptography; as root with apt-get, installs the Debian packages once. */
export function findBaseline(log: (line: string) => void): BaselineAvailability {
  if (!existsSync(SCRIPT)) return { ok: false, reason: `baseline script missing at ${SCRIPT}` };
  let version = probeCryptography();
  if (!version && process.getuid?.() === 0 && spawnSync("apt-get", ["--version"]).status === 0) {
    log("python3 cryptography missing: apt-get install -y python3-cryptography python3-yaml");
    spawnSync("apt-get", ["update"], { stdio: "ignore" });
    spawnSync("apt-get", ["install", "-y", "python3-cryptography", "python3-yaml"], { stdio: "ignore" });
    version = probeCryptography();
  }
  if (!version) return { ok: false, reason: "python3 with the cryptography package is not available" };
  const py = spawnSync("python3", ["--version"], { encoding: "utf8" });
  return { ok: true, python: (py.stdout || py.stderr).trim(), cryptography: version };
}

export interface BaselineRun {
  report: BaselineReport;
  processSeconds: number;
}

export function runBaseline(dir: string): BaselineRun {
  const started = performance.now();
  const out = spawnSync("python3", [SCRIPT, dir], { encoding: "utf8", maxBuffer: 1 << 20 });
  const processSeconds = (performance.now() - started) / 1000;
  if (out.status !== 0) throw new Error(`baseline.py failed (exit ${out.status}): ${out.stderr.slice(-500)}`);
  return { report: JSON.parse(out.stdout) as BaselineReport, processSeconds };
}
