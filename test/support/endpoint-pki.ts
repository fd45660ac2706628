import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { scan } from "../../src/engine/scan.js";
import type { ScanResult } from "../../src/engine/types.js";
import { endpointSource } from "../../src/sources/tls-endpoint/index.js";
import type { EndpointTarget } from "../../src/sources/tls-endpoint/spec.js";
import { findRepoRoot } from "./fixtures.js";

/** Reference time for endpoint scenarios: every certificate below has fixed dates around it. */
export const endpointNow = new Date("2026-06-01T00:00:00Z");

export interface IssueSpec {
  subj: string;
  start: string; // e.g. 2026-01-01T00:00:00Z
  end: string;
  /** openssl extension lines, e.g. "subjectAltName=DNS:a\nbasicConstraints=CA:FALSE". */
  ext: string;
  /** Name of the signer (its NAME.crt/NAME.key in the same dir), "-" for self-signed. */
  signer: string;
}

/** A scratch PKI whose certificates are issued by `openssl ca` with explicit dates (test/fixtures/lib.sh). */
export class EndpointPki {
  readonly dir = mkdtempSync(join(tmpdir(), "certdoctor-ep-pki-"));
  private readonly lib = join(findRepoRoot(), "test/fixtures/lib.sh");

  path(name: string): string {
    return join(this.dir, name);
  }
  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }
  write(name: string, data: string | Buffer): string {
    mkdirSync(dirname(this.path(name)), { recursive: true });
    writeFileSync(this.path(name), data);
    return this.path(name);
  }

  /** Issues NAME.crt (and a fresh NAME.key unless `reuseKey`) — NAME may include sub-directories. */
  issue(name: string, spec: IssueSpec, reuseKey = false): void {
    mkdirSync(dirname(this.path(name)), { recursive: true });
    const signer = spec.signer === "-" ? ["-", "-"] : [this.path(`${spec.signer}.crt`), this.path(`${spec.signer}.key`)];
    const script = `set -euo pipefail; source "$1"; shift; ${reuseKey ? "" : 'fx_key p256 "$2";'} fx_issue "$@"`;
    execFileSync("bash", ["-c", script, "bash", this.lib, this.path(`${name}.crt`), this.path(`${name}.key`), spec.subj, spec.start, spec.end, spec.ext, ...signer], { stdio: ["ignore", "pipe", "pipe"] });
  }

  ca(name: string, subj: string): void {
    this.issue(name, { subj, start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ext: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign", signer: "-" });
  }

  leaf(name: string, signer: string, subj: string, san: string, start = "2026-01-01T00:00:00Z", end = "2027-01-01T00:00:00Z", reuseKey = false): void {
    this.issue(name, { subj, start, end, ext: `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}`, signer }, reuseKey);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Scans paths plus endpoints at `now`, on the main thread, with a short probe timeout. */
export function scanWithEndpoints(paths: string[], targets: EndpointTarget[], now = endpointNow): Promise<ScanResult> {
  return scan({
    paths,
    sources: [endpointSource(targets, { timeoutMs: 2000, clock: () => now.getTime() })],
    now,
    warnDays: 30,
    critDays: 7,
    workers: 0,
  });
}
