import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EndpointPki } from "./support/endpoint-pki.js";
import { findRepoRoot } from "./support/fixtures.js";
import { makeHealNode, snapshotTree, type HealNode } from "./support/heal-node.js";

const ROOT_CA = "etc/kubeedge/ca/rootCA.crt";
type CaAnswer = { mode: "serve"; body: Buffer } | { mode: "hang" } | { mode: "drip" };

const der = (pem: Buffer) => Buffer.from(new X509Certificate(pem).raw);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("agent --heal: kubeedge-ca-resync against a CloudCore on loopback", () => {
  const pki = new EndpointPki();
  let serving: TlsServer;
  let caEndpoint: HttpsServer;
  let servingPort = 0;
  let caPort = 0;
  let closedPort = 0;
  let answer: CaAnswer = { mode: "hang" };
  const open: Array<{ destroy(): void }> = [];

  before(async () => {
    // CloudCore was reinstalled: a new CA with the same name; the edge still holds the old one.
    pki.ca("old-ca", "/CN=KubeEdge");
    pki.ca("new-ca", "/CN=KubeEdge");
    pki.ca("other-ca", "/CN=KubeEdge");
    pki.leaf("cloudcore", "new-ca", "/CN=KubeEdge", "IP:127.0.0.1");
    pki.leaf("edge", "old-ca", "/CN=edge-1", "DNS:edge-1");
    serving = createTlsServer({ cert: pki.read("cloudcore.crt"), key: pki.read("cloudcore.key") }, (s) => s.end());
    caEndpoint = createHttpsServer({ cert: pki.read("cloudcore.crt"), key: pki.read("cloudcore.key") }, (req, res) => {
      open.push(res.socket!);
      if (req.url !== "/ca.crt") return void res.writeHead(404).end();
      if (answer.mode === "serve") return void res.writeHead(200, { "content-type": "application/x-x509-ca-cert" }).end(answer.body);
      if (answer.mode === "drip") {
        res.writeHead(200);
        const t = setInterval(() => res.write("0"), 50);
        res.on("close", () => clearInterval(t));
      }
    });
    const listen = (s: TlsServer | HttpsServer) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
    servingPort = await listen(serving);
    caPort = await listen(caEndpoint);
    const probe = createTlsServer({});
    closedPort = await listen(probe);
    await new Promise((r) => probe.close(r));
  });
  after(() => {
    for (const s of open) s.destroy();
    serving.close();
    caEndpoint.close();
    pki.cleanup();
  });

  function edgeNode(): HealNode {
    const node = makeHealNode();
    mkdirSync(join(node.root, "etc/kubeedge/ca"), { recursive: true });
    mkdirSync(join(node.root, "etc/kubeedge/certs"), { recursive: true });
    writeFileSync(join(node.root, ROOT_CA), pki.read("old-ca.crt"));
    writeFileSync(join(node.root, "etc/kubeedge/certs/server.crt"), pki.read("edge.crt"));
    writeFileSync(join(node.root, "etc/kubeedge/certs/server.key"), pki.read("edge.key"));
    return node;
  }
  const policy = (node: HealNode, pin: string, opts: { caPort?: number; timeout?: string } = {}) =>
    node.policy(
      [
        "repairs:",
        "  kubeedge-ca-resync:",
        "    cloudcore: 127.0.0.1",
        `    servingPort: ${servingPort}`,
        `    caUrl: https://127.0.0.1:${opts.caPort ?? caPort}/ca.crt`,
        `    pinnedSha256: ["${pin}"]`,
        `    timeout: ${opts.timeout ?? "3s"}`,
        "",
      ].join("\n"),
    );
  const newCaPin = () => sha(der(pki.read("new-ca.crt")));

  it("pin matches and the CA verifies CloudCore's serving certificate: re-synced, chain-untrusted clears, undo is byte-identical", async () => {
    const node = edgeNode();
    try {
      const pristine = snapshotTree(node.root);
      answer = { mode: "serve", body: der(pki.read("new-ca.crt")) };
      policy(node, newCaPin());
      const { events, report } = await node.agent();
      assert.equal(events.length, 1, JSON.stringify(events));
      const e = events[0]!;
      assert.equal(e.outcome, "healed", e.message);
      assert.equal(e.found.rule, "chain-untrusted");
      assert.equal(e.found.ref, `endpoint:127.0.0.1:${servingPort}`);
      assert.match(e.found.detail, /x509: certificate signed by unknown authority/);
      assert.deepEqual(e.checks.map((c) => [c.name, c.ok]), [
        ["InsideCertificateDirs", true], ["CurrentCaReadable", true], ["CaFetched", true], ["FetchedParseable", true],
        ["PinMatches", true], ["IsCa", true], ["WithinValidity", true], ["VerifiesServingCert", true], ["CaSyncPlan", true],
      ]);
      assert.match(e.checks.at(-1)!.detail, /re-requested by edgecore after its restart: \/etc\/kubeedge\/certs\/server\.crt/, "the edge certificate signed by the old CA is named, not touched");
      const change = e.changes[0]!;
      assert.equal(change.path, "/etc/kubeedge/ca/rootCA.crt");
      assert.equal(change.oldFingerprint, sha(der(pki.read("old-ca.crt"))));
      assert.equal(change.newFingerprint, newCaPin());
      assert.match(change.backup!, /^\/etc\/kubeedge\/ca\/rootCA\.crt\.20261201T000000Z\.bak$/);
      assert.ok(readFileSync(join(node.root, change.backup!)).equals(pki.read("old-ca.crt")), "the backup is the old file");
      assert.equal(sha(der(readFileSync(join(node.root, ROOT_CA)))), newCaPin(), "rootCA.crt holds the new CA, PEM as before");
      assert.deepEqual(e.verification?.cleared, ["chain-untrusted"]);
      assert.match(e.restart!, /restart edgecore/);
      assert.ok(!report.findings.some((f) => f.rule === "chain-untrusted" && f.locations.includes(e.found.ref)), "the report is the rescan's");
      assert.deepEqual((await node.agent()).events, [], "nothing left to do");

      const undo = await node.undo(e.id!);
      assert.equal(undo.code, 0, undo.err);
      const afterUndo = snapshotTree(node.root);
      assert.equal(afterUndo[ROOT_CA], pristine[ROOT_CA], "rootCA.crt byte-identical to before");
      assert.deepEqual(Object.keys(afterUndo).filter((k) => !(k in pristine)), [change.backup!.slice(1)], "only the backup remains besides");
    } finally {
      node.cleanup();
    }
  });

  const refusals: Array<{ name: string; check: string; setup: () => { answer: CaAnswer; pin: string; caPort?: number; timeout?: string }; detail?: RegExp }> = [
    { name: "the fetched CA does not verify the serving certificate", check: "VerifiesServingCert", setup: () => ({ answer: { mode: "serve", body: der(pki.read("other-ca.crt")) }, pin: sha(der(pki.read("other-ca.crt"))) }), detail: /unknown authority/ },
    { name: "the pin does not match", check: "PinMatches", setup: () => ({ answer: { mode: "serve", body: der(pki.read("new-ca.crt")) }, pin: "00".repeat(32) }) },
    { name: "the fetched certificate is not a CA", check: "IsCa", setup: () => ({ answer: { mode: "serve", body: der(pki.read("cloudcore.crt")) }, pin: sha(der(pki.read("cloudcore.crt"))) }) },
    { name: "the answer is not a certificate", check: "FetchedParseable", setup: () => ({ answer: { mode: "serve", body: Buffer.from("<html>login</html>") }, pin: newCaPin() }) },
    { name: "the answer is larger than the bound", check: "CaFetched", setup: () => ({ answer: { mode: "serve", body: Buffer.alloc(200_000, 0x41) }, pin: newCaPin() }), detail: /larger than 65536 bytes/ },
    { name: "the CA endpoint is unreachable", check: "CaFetched", setup: () => ({ answer: { mode: "hang" }, pin: newCaPin(), caPort: closedPort }), detail: /ECONNREFUSED/ },
    { name: "the CA endpoint never answers", check: "CaFetched", setup: () => ({ answer: { mode: "hang" }, pin: newCaPin(), timeout: "400ms" }), detail: /no complete answer within 400 ms/ },
    { name: "the CA endpoint drips its answer", check: "CaFetched", setup: () => ({ answer: { mode: "drip" }, pin: newCaPin(), timeout: "400ms" }), detail: /no complete answer within 400 ms/ },
  ];
  for (const row of refusals) {
    it(`refused, nothing written, when ${row.name}`, async () => {
      const node = edgeNode();
      try {
        const s = row.setup();
        answer = s.answer;
        policy(node, s.pin, s);
        const before = snapshotTree(node.root);
        const started = performance.now();
        const { events } = await node.agent();
        const ms = performance.now() - started;
        const e = events[0]!;
        assert.equal(e.outcome, "refused", JSON.stringify(e));
        const failed = e.checks.find((c) => !c.ok)!;
        assert.equal(failed.name, row.check, JSON.stringify(e.checks));
        if (row.detail) assert.match(failed.detail, row.detail);
        assert.deepEqual(e.changes, []);
        assert.deepEqual(snapshotTree(node.root), before);
        if (s.timeout === "400ms") assert.ok(ms < 4000, `bounded: the whole agent run took ${Math.round(ms)} ms`);
      } finally {
        node.cleanup();
      }
    });
  }

  it("--heal-dry-run fetches and checks everything, writes nothing", async () => {
    const node = edgeNode();
    try {
      answer = { mode: "serve", body: der(pki.read("new-ca.crt")) };
      policy(node, newCaPin());
      const before = snapshotTree(node.root);
      const e = (await node.agent(["--heal-dry-run"])).events[0]!;
      assert.equal(e.outcome, "would-heal", e.message);
      assert.ok(e.checks.every((c) => c.ok));
      assert.equal(e.changes[0]!.newFingerprint, newCaPin());
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  it("nothing to do when rootCA.crt already verifies CloudCore", async () => {
    const node = edgeNode();
    try {
      writeFileSync(join(node.root, ROOT_CA), pki.read("new-ca.crt"));
      policy(node, newCaPin());
      assert.deepEqual((await node.agent()).events, []);
    } finally {
      node.cleanup();
    }
  });

  it("killed between the new file's fsync and its rename: rootCA.crt is the old file, whole; the next run cleans up and re-syncs", async () => {
    const node = edgeNode();
    try {
      answer = { mode: "serve", body: der(pki.read("new-ca.crt")) };
      const file = policy(node, newCaPin());
      const helper = join(findRepoRoot(), "test", "support", "crash-at-fs-call.mjs");
      const main = join(findRepoRoot(), "dist", "src", "cli", "main.js");
      const args = ["agent", "--root", node.root, "--proc", join(node.dir, "proc"), "--once", "--now", "2026-12-01T00:00:00Z", "--node-name", "node-1", "--heal", file, "--heal-state-dir", node.stateDir, "--output", join(node.dir, "r.json")];
      // Not spawnSync: CloudCore's servers live in this process and must keep answering.
      const child = spawn(process.execPath, [helper, main, "renameSync", "rootCA.crt", "1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const signal = await new Promise((r) => child.on("exit", (_code, sig) => r(sig)));
      assert.equal(signal, "SIGKILL", output);
      assert.ok(readFileSync(join(node.root, ROOT_CA)).equals(pki.read("old-ca.crt")), "old and whole");
      const caDir = join(node.root, "etc/kubeedge/ca");
      assert.equal(readdirSync(caDir).filter((n) => n.startsWith(".certdoctor-tmp-")).length, 1, "the killed write left its temp file");
      const started = JSON.parse(readFileSync(join(node.stateDir, "journal.json"), "utf8")).entries[0];
      assert.equal(started.state, "started", "recorded before the first write");
      const undo = await node.undo(started.id);
      assert.equal(undo.code, 2);
      assert.match(undo.err, /nothing to undo/);
      const { events } = await node.agent([], "2026-12-01T00:10:00Z");
      assert.deepEqual(events.map((x) => x.outcome), ["interrupted", "healed"], JSON.stringify(events));
      assert.equal(sha(der(readFileSync(join(node.root, ROOT_CA)))), newCaPin());
      assert.deepEqual(readdirSync(caDir).filter((n) => n.startsWith(".certdoctor-tmp-")), []);
    } finally {
      node.cleanup();
    }
  });
});
