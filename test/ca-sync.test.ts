import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { demoPath, findRepoRoot } from "./support/fixtures.js";

const NOW = "2026-12-01T00:00:00Z";
const SOURCE = "secret:kubeedge/casecret#cadata";
const tmp = mkdtempSync(join(tmpdir(), "certdoctor-ca-sync-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file below `dir`: path, type, mode and content hash. */
function treeState(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p);
      else out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`);
    }
  };
  walk(dir);
  return out;
}

/** A KubeEdge fleet: CloudCore's Secrets, edge-1 (old CA and a leaf from it) and edge-3 (a healthy edge whose rootCA.crt is the old CA). */
function fleet(name: string): string {
  const root = join(tmp, name);
  mkdirSync(root);
  cpSync(demoPath("manifests", "kubeedge.yaml"), join(root, "manifests", "kubeedge.yaml"));
  cpSync(demoPath("edge-1"), join(root, "edge-1"), { recursive: true });
  cpSync(demoPath("edge-2"), join(root, "edge-3"), { recursive: true });
  cpSync(demoPath("edge-1", "etc", "kubeedge", "ca", "rootCA.crt"), join(root, "edge-3", "etc", "kubeedge", "ca", "rootCA.crt"));
  return root;
}

const rootCa = (root: string, node: string) => join(root, node, "etc", "kubeedge", "ca", "rootCA.crt");

function cakeyNeedles(): string[] {
  const text = readFileSync(demoPath("manifests", "kubeedge.yaml"), "utf8");
  return [...text.matchAll(/(?:cakeydata|cloudcorekeydata):\s*"?([A-Za-z0-9+/=]{40,})/g)].map((m) => m[1]!.slice(0, 40));
}

describe("fix ca-sync (KubeEdge: CloudCore's casecret to the edges' rootCA.crt)", () => {
  it("dry run prints the plan by fingerprint and changes nothing", async () => {
    const root = fleet("dry");
    const before = treeState(root);
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", rootCa(root, "edge-3"), "--now", NOW]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /would replace/);
    assert.match(r.out, /secret:kubeedge\/cloudcoresecret#cloudcoredata .*FAILS {2}-> {2}verifies/);
    assert.match(r.out, /dry run: 1 target\(s\) would be replaced; nothing was written/);
    assert.deepEqual(treeState(root), before);
    for (const n of cakeyNeedles()) assert.ok(!(r.out + r.err).includes(n), "CA key bytes in output");
    assert.doesNotMatch(r.out, /PRIVATE KEY|BEGIN/);
  });

  it("--apply fixes the divergence: the rescan has no ca-divergence or chain-untrusted for edge-3; mode kept; old file kept beside it", async () => {
    const root = fleet("apply");
    rmSync(join(root, "edge-1"), { recursive: true });
    const target = rootCa(root, "edge-3");
    chmodSync(target, 0o640);
    const old = readFileSync(target);
    const before = await runCli(["scan", root, "--now", NOW, "--format", "json", "--fail-on", "never"]);
    const rules = (out: string) => (JSON.parse(out) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule).sort();
    assert.deepEqual(rules(before.out), ["ca-divergence", "chain-untrusted"]);
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", target, "--now", NOW, "--apply"]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /verified: 1 target now holds CN=KubeEdge/);
    const after = await runCli(["scan", root, "--now", NOW, "--format", "json", "--fail-on", "never"]);
    assert.deepEqual(rules(after.out), []);
    assert.equal(lstatSync(target).mode & 0o777, 0o640);
    assert.match(readFileSync(target, "latin1"), /^-----BEGIN CERTIFICATE-----\n/);
    const backups = readdirSync(join(root, "edge-3", "etc", "kubeedge", "ca")).filter((n) => /^rootCA\.crt\.\d{8}T\d{6}Z\.bak$/.test(n));
    assert.equal(backups.length, 1);
    assert.deepEqual(readFileSync(join(root, "edge-3", "etc", "kubeedge", "ca", backups[0]!)), old);
    const again = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", target, "--now", NOW, "--apply"]);
    assert.equal(again.code, 0);
    assert.match(again.out, /already holds the new CA/);
  });

  it("refuses edge-1 (exit 1, nothing written): its own certificate is from the old CA and would stop verifying", async () => {
    const root = fleet("refuse");
    const before = treeState(root);
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", rootCa(root, "edge-1"), "--to", rootCa(root, "edge-3"), "--now", NOW, "--apply"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /REFUSED: the new CA would break file:.*edge-1\/etc\/kubeedge\/certs\/server\.crt/);
    assert.match(r.out, /nothing was written/);
    assert.deepEqual(treeState(root), before, "all or nothing: edge-3 was not written either");
  });

  it("without --path it scans the target's node tree (/etc/kubeedge for ca/rootCA.crt) and still finds the leaf it would break", async () => {
    const root = fleet("default-scan");
    const newCa = demoPath("edge-2", "etc", "kubeedge", "ca", "rootCA.crt");
    const r = await runCli(["fix", "ca-sync", "--from", newCa, "--to", rootCa(root, "edge-1"), "--now", NOW]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /REFUSED: the new CA would break file:.*edge-1\/etc\/kubeedge\/certs\/server\.crt/);
  });

  it("--force replaces it anyway and says which leaf now fails", async () => {
    const root = fleet("force");
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", rootCa(root, "edge-1"), "--now", NOW, "--apply", "--force"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /FORCED: the new CA would break/);
    assert.match(r.out, /as forced, file:.*edge-1\/etc\/kubeedge\/certs\/server\.crt no longer verifies/);
  });

  it("a DER target stays DER", async () => {
    const root = fleet("der");
    const target = rootCa(root, "edge-3");
    const pem = readFileSync(target, "latin1");
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    writeFileSync(target, der);
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", target, "--now", NOW, "--apply"]);
    assert.equal(r.code, 0, r.out);
    const written = readFileSync(target);
    assert.equal(written[0], 0x30, "DER SEQUENCE");
    assert.match(r.out, /\(DER, mode/);
  });

  const refusals = [
    { name: "the source is not a CA", from: (root: string) => join(root, "edge-3", "etc", "kubeedge", "certs", "server.crt"), to: (root: string) => rootCa(root, "edge-3"), want: /REFUSED: the source .* is not a CA certificate/ },
    { name: "the target is not a CA", from: () => SOURCE, to: (root: string) => join(root, "edge-3", "etc", "kubeedge", "certs", "server.crt"), want: /which is not a CA: this is not a CA file/ },
    { name: "the target is a directory", from: () => SOURCE, to: (root: string) => join(root, "edge-3", "etc", "kubeedge", "ca"), want: /is not a regular file/ },
    { name: "the target holds a key too", from: () => SOURCE, to: (root: string) => join(root, "edge-3", "etc", "kubeedge", "certs", "server.key"), want: /holds no certificate/ },
    { name: "the target does not exist", from: () => SOURCE, to: (root: string) => join(root, "edge-3", "missing.crt"), want: /cannot be read \(ENOENT\)/ },
  ];
  for (const c of refusals) {
    it(`refuses when ${c.name}`, async () => {
      const root = fleet(`refuse-${c.name.replace(/\W+/g, "-")}`);
      const before = treeState(root);
      const r = await runCli(["fix", "ca-sync", "--from", c.from(root), "--path", root, "--to", c.to(root), "--now", NOW, "--apply"]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, c.want);
      assert.deepEqual(treeState(root), before);
    });
  }

  it("refuses a symlinked target and leaves what it points at alone", async () => {
    const root = fleet("symlink");
    const target = rootCa(root, "edge-3");
    const real = join(root, "real-ca.crt");
    cpSync(target, real);
    rmSync(target);
    symlinkSync(real, target);
    const before = readFileSync(real);
    const r = await runCli(["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", target, "--now", NOW, "--apply"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /is a symbolic link; ca-sync never writes through links/);
    assert.deepEqual(readFileSync(real), before);
  });

  it("a crash between targets leaves each one whole (old or new), and a re-run completes", async () => {
    const root = fleet("crash");
    rmSync(join(root, "edge-1"), { recursive: true });
    cpSync(join(root, "edge-3"), join(root, "edge-4"), { recursive: true });
    const t3 = rootCa(root, "edge-3");
    const t4 = rootCa(root, "edge-4");
    const old = readFileSync(t3);
    const args = ["fix", "ca-sync", "--from", SOURCE, "--path", root, "--to", t3, "--to", t4, "--now", NOW, "--apply"];
    const child = spawnSync(process.execPath, [join(findRepoRoot(), "bin", "certdoctor.js"), ...args], { env: { ...process.env, CERTDOCTOR_TEST_CRASH_AFTER_TARGET: "0" }, encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stdout + child.stderr);
    const isNew = (p: string) => readFileSync(p, "latin1").startsWith("-----BEGIN CERTIFICATE-----") && !readFileSync(p).equals(old);
    assert.ok(isNew(t3), "first target written whole");
    assert.deepEqual(readFileSync(t4), old, "second target untouched");
    for (const dir of [join(root, "edge-3", "etc", "kubeedge", "ca"), join(root, "edge-4", "etc", "kubeedge", "ca")]) {
      assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(".certdoctor-tmp-")), []);
    }
    const rerun = await runCli(args);
    assert.equal(rerun.code, 0, rerun.out);
    assert.match(rerun.out, /edge-3\/etc\/kubeedge\/ca\/rootCA\.crt \(PEM, mode \d+\): already holds the new CA/);
    assert.deepEqual(readFileSync(t4), readFileSync(t3));
  });
});

describe("fix ca-sync from a CloudCore-style https://HOST:10002/ca.crt", () => {
  const pki = new EndpointPki();
  let server: Server;
  let port = 0;
  let caDer: Buffer;
  before(async () => {
    pki.ca("tls-ca", "/CN=cloudcore-tls-ca");
    pki.leaf("cloudcore", "tls-ca", "/CN=cloudcore", "IP:127.0.0.1", "2025-01-01T00:00:00Z", "2035-01-01T00:00:00Z");
    const pem = readFileSync(join(demoPath("edge-2", "etc", "kubeedge", "ca", "rootCA.crt")), "latin1");
    caDer = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    server = createServer({ cert: pki.read("cloudcore.crt"), key: pki.read("cloudcore.key") }, (req, res) => {
      if (req.url === "/ca.crt") res.end(caDer);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    server.close();
    pki.cleanup();
  });

  it("fetches the CA with the trust given by --source-ca and plans the replace", async () => {
    const root = fleet("url");
    const r = await runCli(["fix", "ca-sync", "--from", `https://127.0.0.1:${port}/ca.crt`, "--source-ca", pki.path("tls-ca.crt"), "--path", root, "--to", rootCa(root, "edge-3"), "--now", NOW]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /would replace/);
    assert.ok(r.out.includes(createHash("sha256").update(caDer).digest("hex")));
  });

  it("without --source-ca, or with a CA that does not verify the server, nothing is fetched", async () => {
    const root = fleet("url-untrusted");
    const none = await runCli(["fix", "ca-sync", "--from", `https://127.0.0.1:${port}/ca.crt`, "--path", root, "--to", rootCa(root, "edge-3")]);
    assert.equal(none.code, 2);
    assert.match(none.err, /needs --source-ca/);
    const wrong = await runCli(["fix", "ca-sync", "--from", `https://127.0.0.1:${port}/ca.crt`, "--source-ca", demoPath("edge-2", "etc", "kubeedge", "ca", "rootCA.crt"), "--path", root, "--to", rootCa(root, "edge-3")]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /ERR_SOURCE_UNAVAILABLE/);
  });
});
