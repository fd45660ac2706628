import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { alertPeer, httpPeer, refusedPort, silentPeer, startOpensslServer, startTlsServer, type LoopbackServer } from "../../../test/support/tls-servers.js";
import type { CertItem, EndpointItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { defaultProbeWorkers, endpointSource, POOL_MIN_TARGETS, type EndpointSourceOptions } from "./index.js";
import type { CaptureMode } from "./probe.js";
import { startProbePool, WORKER_FAILED } from "./probe-pool.js";
import type { EndpointTarget } from "./spec.js";

const PROBED_AT = Date.parse("2026-12-01T00:00:00Z");
/**
 * Long enough that a real handshake never times out on a loaded 2-core machine (800 ms did: one side's
 * probe of a TLS peer came back ETIMEDOUT without a chain); silent peers cost one TIMEOUT per run.
 */
const TIMEOUT = 2500;

async function collect(targets: EndpointTarget[], options: EndpointSourceOptions, signal?: AbortSignal): Promise<Array<RawItem | ScanIssue>> {
  const out: Array<RawItem | ScanIssue> = [];
  const ctx = { limits: defaultLimits, pkcs12Passwords: [], ...(signal ? { signal } : {}) };
  for await (const item of endpointSource(targets, { clock: () => PROBED_AT, timeoutMs: TIMEOUT, ...options }).discover(ctx)) out.push(item);
  return out;
}

/** Everything an item says, certificates by SHA-256 (the same data whichever thread probed). */
function summary(items: Array<RawItem | ScanIssue>): unknown[] {
  return items.map((i) => {
    if (isScanIssue(i)) return { issue: i.code, ref: i.ref };
    if (i.type === "cert") return { ref: i.ref, sha: createHash("sha256").update((i as CertItem).der).digest("hex"), anchor: i.anchor === true };
    const e = i as EndpointItem;
    return { ref: e.ref, chain: e.chain, error: e.error?.code, tls: e.tlsVersion, cipher: e.cipher, cas: e.acceptableCAs, sni: e.sni };
  });
}

describe("tls-endpoint probe pool (worker threads)", () => {
  let o: OpensslDir;
  const servers: LoopbackServer[] = [];
  const serve = async (s: Promise<LoopbackServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };
  const peers: Record<string, EndpointTarget> = {};

  before(async () => {
    o = makeOpensslDir("certdoctor-probe-pool-");
    o.makeCa("ca", "/CN=pool-test-ca");
    o.makeLeaf("leaf", "ca", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    o.write("chain.pem", o.readText("leaf.crt") + o.readText("ca.crt"));
    o.makeCa("clientca", "/CN=pool-client-ca/O=certdoctor-test");
    const at = (s: LoopbackServer, extra: Partial<EndpointTarget> = {}): EndpointTarget => ({ host: s.host, port: s.port, ...extra });
    peers.tls13 = at(await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") })), { sni: "localhost" });
    peers.tls12ClientCa = at(await serve(startOpensslServer(o.dir, ["-cert", "leaf.crt", "-key", "leaf.key", "-cert_chain", "ca.crt", "-Verify", "1", "-CAfile", "clientca.crt"])));
    peers.withCaFile = at(await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") })), { ca: o.path("ca.crt") });
    peers.silent = at(await serve(silentPeer()));
    peers.alert80 = at(await serve(alertPeer(80)));
    peers.http = at(await serve(httpPeer()));
    peers.refused = { host: "127.0.0.1", port: await refusedPort() };
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    o.cleanup();
  });

  const rows: Array<{ name: string; peers: string[]; workers: number }> = [
    { name: "every kind of peer, two workers", peers: ["tls13", "silent", "tls12ClientCa", "refused", "alert80", "http", "withCaFile"], workers: 2 },
    { name: "more workers than targets", peers: ["refused", "tls13"], workers: 4 },
    { name: "the same peers repeated, three workers", peers: ["tls13", "refused", "tls13", "silent", "tls12ClientCa", "tls13", "refused"], workers: 3 },
  ];
  for (const row of rows) {
    it(`${row.name}: the same items, in the same order, as the single-thread path`, async () => {
      const targets = row.peers.map((p) => peers[p]!);
      const single = summary(await collect(targets, { workers: 1 }));
      const pooled = summary(await collect(targets, { workers: row.workers }));
      assert.deepEqual(pooled, single);
      // And the items say what each peer is (not two identical failures).
      const codes = (pooled.filter((x) => (x as { chain?: unknown }).chain !== undefined) as Array<{ error?: string }>).map((e) => e.error ?? "ok");
      const want: Record<string, string> = { tls13: "ok", tls12ClientCa: "ok", withCaFile: "ok", silent: "ETIMEDOUT", refused: "ECONNREFUSED", alert80: "TLS_ALERT_80", http: "NOT_TLS" };
      assert.deepEqual(codes, row.peers.map((p) => want[p]));
    });
  }

  it("cancellation: aborting mid-run stops the workers and the source ends promptly", async () => {
    const targets = Array.from({ length: 30 }, () => peers.silent!);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const items = await collect(targets, { workers: 2, timeoutMs: 10_000 }, controller.signal);
    assert.ok(performance.now() - started < 2000, "ended well before the 10 s probe deadline");
    assert.ok(items.length < targets.length);
  });

  it("stop(): every unsettled target settles as ABORTED and the workers exit", async () => {
    const targets = Array.from({ length: 10 }, () => peers.silent!);
    const pool = startProbePool(targets, { workers: 2, concurrency: 4, timeoutMs: 10_000, maxChain: 10, clientCAs: true });
    const exited = pool.workers.map((w) => new Promise((r) => w.once("exit", r)));
    await new Promise((r) => setTimeout(r, 100));
    pool.stop();
    const results = await Promise.all(pool.results);
    assert.deepEqual(new Set(results.map((r) => r.error?.code)), new Set(["ABORTED"]));
    await Promise.all(exited);
  });

  it("a worker that dies turns its unfinished targets into PROBE_WORKER_FAILED; the other worker's targets still complete", async () => {
    // Even indexes go to worker 0 (killed), odd ones to worker 1; targets are slow (silent) so worker 0 dies mid-probe.
    const targets = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? peers.silent! : peers.tls13!));
    const pool = startProbePool(targets, { workers: 2, concurrency: 8, timeoutMs: 3000, maxChain: 10, clientCAs: false });
    await pool.results[1];
    await pool.workers[0]!.terminate();
    const results = await Promise.all(pool.results);
    assert.deepEqual(results.map((r) => r.error?.code ?? "ok"), targets.map((_, i) => (i % 2 === 0 ? WORKER_FAILED : "ok")));
    assert.ok(results.filter((_, i) => i % 2 === 1).every((r) => r.chain.length === 2));
  });

  const thresholds: Array<{ name: string; targets: number; capture: CaptureMode; pooled: boolean }> = [
    { name: "node:tls, one endpoint", targets: 1, capture: "node-tls", pooled: false },
    { name: "node:tls, just under the threshold", targets: POOL_MIN_TARGETS - 1, capture: "node-tls", pooled: false },
    { name: "node:tls, at the threshold", targets: POOL_MIN_TARGETS, capture: "node-tls", pooled: true },
    { name: "lean capture, far over the threshold", targets: 100 * POOL_MIN_TARGETS, capture: "lean", pooled: false },
  ];
  for (const row of thresholds) {
    it(`default workers, ${row.name}: ${row.pooled ? "worker threads" : "the calling thread"}`, () => {
      const w = defaultProbeWorkers(row.targets, row.capture);
      if (row.pooled) assert.equal(w, availableParallelism());
      else assert.equal(w, 1);
    });
  }
});
