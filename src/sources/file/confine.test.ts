/**
 * Scans never leave the paths they were given: symlinks out of the roots are noted, not followed (unless
 * --follow-symlinks-out), never into /proc, /sys or /dev; under the agent's --root, absolute links and
 * `..` resolve inside the root; kubeconfig references stay inside the scanned tree and say truthfully why not.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ErrorCode } from "../../errors.js";
import { confineTo } from "../../fs/confine.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { readFileItems } from "./read.js";
import { walkPaths, type FileEntry } from "./walk.js";

async function walk(roots: string[], options: { nodeRoot?: string; followSymlinksOut?: boolean } = {}): Promise<Array<FileEntry | ScanIssue>> {
  const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [], confine: confineTo(roots, options) };
  const out: Array<FileEntry | ScanIssue> = [];
  for await (const e of walkPaths(roots, ctx)) out.push(e);
  return out;
}
const summary = (entries: Array<FileEntry | ScanIssue>) => entries.map((e) => ("code" in e ? `${e.code} ${e.ref}` : `${e.path}${e.real === undefined ? "" : ` -> ${e.real}`}`));

describe("the walker stays inside its roots", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-confine-");
    mkdirSync(o.path("scan/pki"), { recursive: true });
    mkdirSync(o.path("other"), { recursive: true });
    o.makeCa("scan/pki/ca");
    o.makeCa("other/secret-ca");
    symlinkSync(o.path("other"), o.path("scan/out-dir"));
    symlinkSync(o.path("other/secret-ca.crt"), o.path("scan/out-file.crt"));
    symlinkSync("/", o.path("scan/slash"));
    symlinkSync("/proc/self", o.path("scan/proc"));
    symlinkSync(o.path("scan/pki/ca.crt"), o.path("scan/inside.crt"));
  });
  after(() => o.cleanup());

  it("notes links out of the root (a directory, a file, /) and follows links that stay inside", async () => {
    const entries = await walk([o.path("scan")]);
    assert.deepEqual(summary(entries).filter((l) => !l.startsWith(o.path("scan/pki/"))), [
      `${o.path("scan/inside.crt")} -> ${o.path("scan/pki/ca.crt")}`,
      `${ErrorCode.ERR_SOURCE_OUTSIDE_ROOT} file:${o.path("scan/out-dir")}`,
      `${ErrorCode.ERR_SOURCE_OUTSIDE_ROOT} file:${o.path("scan/out-file.crt")}`,
      `${ErrorCode.ERR_SOURCE_SKIPPED} file:${o.path("scan/proc")}`,
      `${ErrorCode.ERR_SOURCE_OUTSIDE_ROOT} file:${o.path("scan/slash")}`,
    ]);
    assert.ok(entries.every((e) => isScanIssue(e) || !e.path.includes("secret-ca")));
  });

  it("follows a link into another given root", async () => {
    const entries = await walk([o.path("scan"), o.path("other")]);
    assert.ok(summary(entries).includes(`${o.path("scan/out-file.crt")} -> ${o.path("other/secret-ca.crt")}`));
  });

  it("--follow-symlinks-out follows links out, but never into /proc", async () => {
    const entries = await walk([o.path("scan")], { followSymlinksOut: true });
    assert.ok(entries.some((e) => !isScanIssue(e) && e.path === o.path("scan/out-dir/secret-ca.crt")));
    assert.ok(summary(entries).includes(`${ErrorCode.ERR_SOURCE_SKIPPED} file:${o.path("scan/proc")}`));
  });
});

describe("under a node root (the agent's --root), links resolve inside the root", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-noderoot-");
    mkdirSync(o.path("node/etc/kubernetes/pki"), { recursive: true });
    mkdirSync(o.path("node/var/lib/kubelet/pki"), { recursive: true });
    o.makeCa("node/var/lib/kubelet/pki/kubelet-client-2026");
    // as a kubelet writes it: an absolute link, meaningful on the node, not on the agent's own filesystem
    symlinkSync("/var/lib/kubelet/pki/kubelet-client-2026.crt", o.path("node/var/lib/kubelet/pki/kubelet-client-current.pem"));
    symlinkSync("/var/lib/kubelet/pki", o.path("node/etc/kubernetes/kubelet-pki"));
    symlinkSync("../../../../../../../../../../etc", o.path("node/etc/kubernetes/up"));
  });
  after(() => o.cleanup());

  it("an absolute link and a link to a directory resolve inside the root; `..` never climbs above it", async () => {
    const entries = await walk([o.path("node/etc/kubernetes"), o.path("node/var/lib/kubelet")], { nodeRoot: o.path("node") });
    const lines = summary(entries);
    // the directory is walked once, through the link met first (/var/lib/kubelet/pki is then already walked)
    assert.ok(lines.includes(`${o.path("node/etc/kubernetes/kubelet-pki/kubelet-client-current.pem")} -> ${o.path("node/var/lib/kubelet/pki/kubelet-client-2026.crt")}`), lines.join("\n"));
    assert.ok(lines.includes(`${o.path("node/etc/kubernetes/kubelet-pki/kubelet-client-2026.crt")} -> ${o.path("node/var/lib/kubelet/pki/kubelet-client-2026.crt")}`), lines.join("\n"));
    // node/etc is outside the roots: noted, and never the agent's own /etc
    assert.ok(lines.includes(`${ErrorCode.ERR_SOURCE_OUTSIDE_ROOT} file:${o.path("node/etc/kubernetes/up")}`), lines.join("\n"));
    assert.ok(entries.every((e) => isScanIssue(e) || (e.real ?? e.path).startsWith(o.path("node/"))));
  });
});

describe("kubeconfig references stay inside the scanned tree", () => {
  let o: OpensslDir;
  const hostCa = new URL("../../../../test/fixtures/generated/chain-ok/root-ca.crt", import.meta.url).pathname;
  before(() => {
    o = makeOpensslDir("certdoctor-kcref-");
    mkdirSync(o.path("node1/etc/kubernetes"), { recursive: true });
    mkdirSync(o.path("node1/var/lib/kubelet/pki"), { recursive: true });
    o.makeCa("node1/var/lib/kubelet/pki/client");
    execFileSync("mkfifo", [o.path("node1/etc/kubernetes/fifo.crt")]);
    const users = [
      ["in-node", "/var/lib/kubelet/pki/client.crt"],
      ["host-file", hostCa],
      ["shadow", "/etc/shadow"],
      ["climb", "../../../../../../../../../../../etc/passwd"],
      ["proc", "/proc/self/environ"],
      ["fifo", "fifo.crt"],
      ["dev", "/dev/zero"],
      ["gone", "/var/lib/kubelet/pki/missing.crt"],
    ];
    o.write("node1/etc/kubernetes/kubelet.conf", [
      "apiVersion: v1", "kind: Config", "clusters: []", "users:",
      ...users.flatMap(([name, ref]) => [`- name: ${name}`, "  user:", `    client-certificate: ${ref}`]),
      "",
    ].join("\n"));
  });
  after(() => o.cleanup());

  it("reads the node's own files and refuses the rest with the true reason", () => {
    const roots = [o.path("node1/etc/kubernetes")];
    const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [], confine: confineTo(roots) };
    const started = performance.now();
    const items = readFileItems({ path: o.path("node1/etc/kubernetes/kubelet.conf"), symlink: false }, ctx);
    assert.ok(performance.now() - started < 2000, "no FIFO or device blocks the read");
    const base = `kubeconfig:${o.path("node1/etc/kubernetes/kubelet.conf")}`;
    assert.deepEqual(items.filter((i) => !isScanIssue(i)).map((i) => (i as { ref: string }).ref), [`file:${o.path("node1/var/lib/kubelet/pki/client.crt")}`]);
    assert.deepEqual(items.filter(isScanIssue).map((i) => [i.ref.slice(base.length), i.code]), [
      ["#users/host-file", ErrorCode.ERR_SOURCE_OUTSIDE_ROOT],
      ["#users/shadow", ErrorCode.ERR_SOURCE_OUTSIDE_ROOT],
      ["#users/climb", ErrorCode.ERR_SOURCE_OUTSIDE_ROOT],
      ["#users/proc", ErrorCode.ERR_SOURCE_NOT_REGULAR],
      ["#users/fifo", ErrorCode.ERR_SOURCE_NOT_REGULAR],
      ["#users/dev", ErrorCode.ERR_SOURCE_NOT_REGULAR],
      ["#users/gone", ErrorCode.ERR_KUBECONFIG_REF_MISSING],
    ]);
  });
});
