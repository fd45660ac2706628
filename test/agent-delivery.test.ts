import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DeliveryTarget } from "../src/agent/deliver.js";
import { backoffDelay } from "../src/agent/deliver.js";
import { runAgent, type AgentOptions } from "../src/agent/run.js";
import { demoPath } from "./support/fixtures.js";
import { agentNow } from "./support/agent-node.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";

interface Received {
  sequence: number;
  idempotencyKey: string;
  authorization?: string;
  body: { schemaVersion: number; agent: { nodeName: string; sequence: number; agentId: string; spool: { dropped: number } }; summary: { certificates: number } };
}

/** The central side: a real HTTPS server on loopback that records what it accepts. */
class Central {
  received: Received[] = [];
  /** Status codes to answer with before accepting (503 = flaky, 400 = reject). */
  script: number[] = [];
  private server?: Server;
  private sockets = new Set<Socket>();
  constructor(
    private readonly pki: OpensslDir,
    readonly port: number,
    private readonly token: string,
    private readonly requireClientCert = false,
  ) {}
  start(): Promise<void> {
    const server = createServer(
      { key: this.pki.read("server.key"), cert: this.pki.read("server.crt"), ca: this.pki.read("ca.crt"), requestCert: this.requireClientCert, rejectUnauthorized: this.requireClientCert },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          if (!this.requireClientCert && req.headers.authorization !== `Bearer ${this.token}`) {
            res.writeHead(401).end();
            return;
          }
          const scripted = this.script.shift();
          if (scripted !== undefined) {
            res.writeHead(scripted).end();
            return;
          }
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Received["body"];
          const key = String(req.headers["idempotency-key"]);
          if (!this.received.some((r) => r.idempotencyKey === key)) {
            this.received.push({ sequence: Number(req.headers["x-certdoctor-sequence"]), idempotencyKey: key, body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
          }
          res.writeHead(202, { "content-type": "application/json" }).end("{}");
        });
      },
    );
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }
  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function freePort(pki: OpensslDir): Promise<number> {
  const server = createServer({ key: pki.read("server.key"), cert: pki.read("server.crt") });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    }),
  );
}

describe("agent delivery through an outage", () => {
  let pki: OpensslDir;
  let work: string;
  const token = "test-token-not-a-secret";
  before(() => {
    pki = makeOpensslDir("certdoctor-central-");
    pki.makeCa("ca");
    pki.makeLeaf("server", "ca", "/CN=central", "IP:127.0.0.1,DNS:localhost");
    pki.makeLeaf("agent", "ca", "/CN=agent-node-1");
    work = mkdtempSync(join(tmpdir(), "certdoctor-spool-"));
    writeFileSync(join(work, "token"), `${token}\n`);
  });
  after(() => {
    pki.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const logs: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const delays: number[] = [];
  const io = {
    log: (level: "info" | "warn", msg: string, fields: Record<string, unknown> = {}) => void logs.push({ level, msg, fields }),
    stdout: () => undefined,
    sleep: async (ms: number) => void delays.push(ms),
  };

  function options(port: number, spoolDir: string, extra: Partial<AgentOptions> = {}, target: Partial<DeliveryTarget> = {}): AgentOptions {
    return {
      root: demoPath("cp-1"),
      procDir: join(work, "no-proc"),
      nodeName: "cp-1",
      version: "test",
      now: agentNow,
      warnDays: 30,
      critDays: 7,
      once: false,
      intervalMs: 1,
      target: { url: new URL(`https://127.0.0.1:${port}/v1/agent-reports`), ca: pki.read("ca.crt"), tokenFile: join(work, "token"), timeoutMs: 5000, userAgent: "certdoctor-agent/test", ...target },
      spoolDir,
      spoolMaxBytes: 64 * 1024 * 1024,
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
      ...extra,
    };
  }

  it("spools while the central side is down, then delivers in order exactly once after an agent restart", async () => {
    const port = await freePort(pki);
    const spool = join(work, "spool-outage");
    const down = await runAgent(options(port, spool, { maxCycles: 3 }), io);
    assert.deepEqual({ ...down, lastFindings: undefined }, { cycles: 3, delivered: 0, pending: 3, lastFindings: undefined });
    assert.deepEqual(readdirSync(spool).filter((n) => n.endsWith(".json") && n !== "state.json"), ["00000000000000000001.json", "00000000000000000002.json", "00000000000000000003.json"]);
    assert.ok(logs.some((l) => l.fields.code === "ERR_DELIVERY_FAILED" && l.fields.reason === "ECONNREFUSED"));
    assert.ok(!logs.some((l) => JSON.stringify(l).includes(token)), "the token never reaches a log");

    const central = new Central(pki, port, token);
    await central.start();
    try {
      central.script = [503]; // one flaky answer: retried with backoff, order kept
      const up = await runAgent(options(port, spool, { once: true }), io);
      assert.equal(up.delivered, 4);
      assert.deepEqual(central.received.map((r) => r.sequence), [1, 2, 3, 4]);
      assert.deepEqual(central.received.map((r) => r.body.agent.sequence), [1, 2, 3, 4]);
      const ids = new Set(central.received.map((r) => r.body.agent.agentId));
      assert.equal(ids.size, 1, "one agent id across the restart");
      for (const r of central.received) {
        assert.equal(r.idempotencyKey, `${r.body.agent.agentId}:${r.sequence}`);
        assert.equal(r.body.schemaVersion, 1);
        assert.equal(r.body.agent.nodeName, "cp-1");
        assert.equal(r.body.summary.certificates, 17);
      }
      assert.deepEqual(readdirSync(spool).filter((n) => /^\d+\.json$/.test(n)), []);
      // A later run continues the sequence; nothing is re-sent.
      await runAgent(options(port, spool, { once: true }), io);
      assert.deepEqual(central.received.map((r) => r.sequence), [1, 2, 3, 4, 5]);
    } finally {
      await central.stop();
    }
  });

  it("honours the spool bound: drops only the oldest, counts and logs it, and reports the count", async () => {
    const port = await freePort(pki);
    const spool = join(work, "spool-bound");
    await runAgent(options(port, spool, { maxCycles: 1 }), io);
    const oneReport = readdirSync(spool).filter((n) => /^\d+\.json$/.test(n)).length;
    assert.equal(oneReport, 1);
    const size = (await import("node:fs")).statSync(join(spool, "00000000000000000001.json")).size;
    const bound = Math.floor(size * 2.5); // room for two reports
    logs.length = 0;
    await runAgent(options(port, spool, { maxCycles: 4, spoolMaxBytes: bound }), io);
    assert.deepEqual(readdirSync(spool).filter((n) => /^\d+\.json$/.test(n)), ["00000000000000000004.json", "00000000000000000005.json"]);
    const dropped = logs.filter((l) => l.fields.code === "ERR_SPOOL_DROPPED").reduce((n, l) => n + Number(l.fields.dropped), 0);
    assert.equal(dropped, 3);

    const central = new Central(pki, port, token);
    await central.start();
    try {
      await runAgent(options(port, spool, { once: true, spoolMaxBytes: bound }), io);
      // The link is back: what waits goes first, so nothing more is dropped for the new report.
      assert.deepEqual(central.received.map((r) => r.sequence), [4, 5, 6]);
      assert.equal(central.received[2]!.body.agent.spool.dropped, 3);
    } finally {
      await central.stop();
    }
  });

  it("a rejected report (HTTP 400) is set aside and does not block newer ones", async () => {
    const port = await freePort(pki);
    const spool = join(work, "spool-reject");
    const central = new Central(pki, port, token);
    await central.start();
    try {
      central.script = [400];
      await runAgent(options(port, spool, { maxCycles: 2 }), io);
      assert.deepEqual(central.received.map((r) => r.sequence), [2]);
      assert.ok(existsSync(join(spool, "rejected", "00000000000000000001.json")));
    } finally {
      await central.stop();
    }
  });

  it("delivers with mTLS, and keeps the report when the client certificate is missing", async () => {
    const port = await freePort(pki);
    const central = new Central(pki, port, token, true);
    await central.start();
    try {
      const without = join(work, "spool-mtls-without");
      await assert.rejects(runAgent(options(port, without, { once: true }, { tokenFile: undefined } as Partial<DeliveryTarget>), io), { code: "ERR_DELIVERY_FAILED" });
      assert.equal(central.received.length, 0);
      const withCert = join(work, "spool-mtls");
      await runAgent(options(port, withCert, { once: true }, { cert: pki.read("agent.crt"), key: pki.read("agent.key") }), io);
      assert.deepEqual(central.received.map((r) => r.sequence), [1]);
    } finally {
      await central.stop();
    }
  });

  it("backoff grows exponentially with full jitter and stays under its cap", () => {
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000 };
    const rows = [
      { name: "first retry, top of the jitter", attempt: 0, random: 0.999, max: 1000 },
      { name: "fourth retry", attempt: 3, random: 0.999, max: 8000 },
      { name: "capped", attempt: 20, random: 0.999, max: 60_000 },
      { name: "bottom of the jitter", attempt: 5, random: 0, max: 0 },
    ];
    for (const r of rows) {
      const d = backoffDelay(r.attempt, policy, () => r.random);
      assert.ok(d <= r.max && d >= Math.floor(r.max * 0.99) - 1, `${r.name}: ${d}`);
    }
  });
});
