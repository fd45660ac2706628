/**
 * Builds test/go-oracle (a small Go program over crypto/x509) once per test process and asks it what Go
 * says about certificates: the differential oracle for certdoctor's Go-exact verdicts. Go is required
 * (.ci/run installs golang-go): a missing toolchain fails the tests that use it, it never skips them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "./fixtures.js";

export interface OracleRequest {
  op: "verify" | "parse";
  leaf: string;
  roots?: string[];
  intermediates?: string[];
  /** RFC 3339. */
  now?: string;
  dnsName?: string;
  usages?: string[];
}

let built: { bin: string; dir: string } | undefined;

function oracleBinary(): string {
  if (built) return built.bin;
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-go-oracle-"));
  const bin = join(dir, "go-oracle");
  try {
    execFileSync("go", ["build", "-o", bin, join(findRepoRoot(), "test", "go-oracle", "main.go")], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GOFLAGS: "", GO111MODULE: "off", GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "certdoctor-go-cache") },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the Go oracle failed (is Go installed? .ci/run installs golang-go): ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
  }
  built = { bin, dir };
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return bin;
}

/** Go's error text for each request ("" when Go accepts). */
export function askGo(requests: OracleRequest[]): string[] {
  const input = requests.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const out = execFileSync(oracleBinary(), [], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  return out
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { error: string }).error);
}
