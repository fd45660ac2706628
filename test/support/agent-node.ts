/**
 * Test support (imported only by tests): builds the kops kube-proxy story with real openssl certificates at
 * fixed dates — a node root whose kube-proxy kubeconfig was renewed, the old kubeconfig a container still
 * sees, and a fake /proc tree whose processes' `root` symlinks point at prepared directories.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findRepoRoot } from "./fixtures.js";

/** The evaluation time of every agent test. */
export const agentNow = new Date("2026-12-01T00:00:00Z");

export interface DatedCert {
  crt: string;
  key: string;
}

export interface KopsStory {
  dir: string;
  ca: DatedCert;
  /** Issued 2025-12-05, expires 2026-12-05: 4 days left at agentNow. */
  oldClient: DatedCert;
  /** Issued 2026-11-25, expires 2027-11-25: the renewal. */
  newClient: DatedCert;
  /** Serving certificate used by host processes in the fake /proc (same file on both sides). */
  serving: DatedCert;
  /** A kubeconfig for kube-proxy with the given client certificate embedded. */
  kubeconfig(client: DatedCert): string;
  cleanup(): void;
}

/** Issues a certificate with `openssl ca` at fixed dates (test/fixtures/lib.sh). `signer` undefined: self-signed CA. */
export function issueDated(dir: string, name: string, subject: string, start: string, end: string, signer?: DatedCert): DatedCert {
  const lib = join(findRepoRoot(), "test", "fixtures", "lib.sh");
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const ext = signer === undefined ? "$(fx_ext_ca)" : '$(fx_ext_leaf clientAuth,serverAuth "DNS:localhost,IP:127.0.0.1")';
  const script = `set -euo pipefail; source "$1"; fx_key p256 "$2"; fx_issue "$3" "$2" "$4" "$5" "$6" "${ext}" "$7" "$8"`;
  execFileSync("bash", ["-c", script, "bash", lib, key, crt, subject, start, end, signer?.crt ?? "-", signer?.key ?? "-"], { stdio: ["ignore", "ignore", "pipe"] });
  return { crt, key };
}

export function makeKopsStory(): KopsStory {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-agent-"));
  const ca = issueDated(dir, "ca", "/CN=kubernetes-ca", "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z");
  const oldClient = issueDated(dir, "old", "/CN=system:kube-proxy", "2025-12-05T00:00:00Z", "2026-12-05T00:00:00Z", ca);
  const newClient = issueDated(dir, "new", "/CN=system:kube-proxy", "2026-11-25T00:00:00Z", "2027-11-25T00:00:00Z", ca);
  const serving = issueDated(dir, "serving", "/CN=node-1", "2026-06-01T00:00:00Z", "2027-06-01T00:00:00Z", ca);
  const b64 = (path: string) => readFileSync(path).toString("base64");
  return {
    dir,
    ca,
    oldClient,
    newClient,
    serving,
    kubeconfig: (client) =>
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: local",
        "  cluster:",
        `    certificate-authority-data: ${b64(ca.crt)}`,
        "    server: https://127.0.0.1:6443",
        "users:",
        "- name: kube-proxy",
        "  user:",
        `    client-certificate-data: ${b64(client.crt)}`,
        `    client-key-data: ${b64(client.key)}`,
        "contexts:",
        "- name: service-account-context",
        "  context: {cluster: local, user: kube-proxy}",
        "current-context: service-account-context",
        "",
      ].join("\n"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes `text` at `root` + `path`, creating directories. */
export function writeAt(root: string, path: string, text: string | Buffer): string {
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return abs;
}

/** One fake /proc/PID: comm, NUL-separated cmdline, and `root` as a symlink to `root`. */
export function fakeProcess(procDir: string, pid: number, comm: string, argv: string[], root: string): void {
  const dir = join(procDir, String(pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "comm"), `${comm}\n`);
  writeFileSync(join(dir, "cmdline"), argv.map((a) => `${a}\0`).join(""));
  symlinkSync(root, join(dir, "root"));
}
