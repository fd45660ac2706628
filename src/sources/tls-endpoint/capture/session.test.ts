import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { makeOpensslDir, type OpensslDir } from "../../../../test/support/openssl.js";
import { startTlsServer, type LoopbackServer } from "../../../../test/support/tls-servers.js";
import { MAX_FLIGHT_BYTES } from "../handshake.js";
import { buildClientHelloMessage, handshakeRecord } from "./client-hello.js";
import { MalformedTls } from "./reader.js";
import * as messages from "./server-messages.js";
import { CaptureSession } from "./session.js";

interface Recorded {
  hello: Uint8Array;
  key: KeyObject;
  /** The server's bytes up to the point the capture had its answer. */
  flight: Buffer;
}

/** Sends a capture hello to a real server and records what it answers. */
function record(port: number): Promise<Recorded> {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const hello = buildClientHelloMessage({ serverName: "fuzz.example", random: randomBytes(32), sessionId: randomBytes(32), x25519Public: Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url") });
  const session = new CaptureSession(hello, privateKey, 10);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: "127.0.0.1", port }, () => s.write(handshakeRecord(hello)));
    s.on("data", (d: Buffer) => {
      chunks.push(d);
      const outcome = session.receive(d);
      if (outcome === undefined) return;
      s.destroy();
      if (outcome.kind !== "captured") return reject(new Error(`not captured: ${JSON.stringify(outcome)}`));
      resolve({ hello, key: privateKey, flight: Buffer.concat(chunks) });
    });
    s.on("error", reject);
  });
}

function replay(r: Recorded, bytes: Uint8Array, maxChain = 10) {
  return new CaptureSession(r.hello, r.key, maxChain).receive(bytes);
}

describe("CaptureSession on hostile server bytes", () => {
  let o: OpensslDir;
  const servers: LoopbackServer[] = [];
  const recorded: Record<"tls13" | "tls12", Recorded> = {} as never;
  before(async () => {
    o = makeOpensslDir("certdoctor-session-");
    o.makeCa("ca", "/CN=fuzz-ca");
    o.makeLeaf("leaf", "ca", "/CN=fuzz-leaf", "DNS:fuzz.example");
    const base = { key: o.readText("leaf.key"), cert: o.readText("leaf.crt") + o.readText("ca.crt"), requestCert: true, rejectUnauthorized: false, ca: o.readText("ca.crt") };
    for (const [name, opts] of [["tls13", { minVersion: "TLSv1.3" }], ["tls12", { maxVersion: "TLSv1.2" }]] as const) {
      const server = await startTlsServer({ ...base, ...opts });
      servers.push(server);
      recorded[name] = await record(server.port);
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    o.cleanup();
  });

  for (const version of ["tls13", "tls12"] as const) {
    it(`${version}: the recorded flight replays to the same capture, whole or one byte at a time`, () => {
      const r = recorded[version];
      const whole = replay(r, r.flight);
      assert.equal(whole?.kind, "captured");
      const session = new CaptureSession(r.hello, r.key, 10);
      let stepwise;
      for (let i = 0; i < r.flight.length && stepwise === undefined; i++) stepwise = session.receive(r.flight.subarray(i, i + 1));
      assert.deepEqual(stepwise, whole);
    });

    it(`${version}: a chain cap of 1 keeps only the leaf`, () => {
      const outcome = replay(recorded[version], recorded[version].flight, 1);
      assert.equal(outcome?.kind === "captured" && outcome.chain.length, 1);
    });

    it(`${version}: every prefix waits for more or gives the whole capture, never a partial one`, () => {
      const r = recorded[version];
      const whole = replay(r, r.flight);
      let waited = 0;
      for (let n = 0; n < r.flight.length; n += 3) {
        const outcome = replay(r, r.flight.subarray(0, n));
        if (outcome === undefined) waited++;
        else assert.deepEqual(outcome, whole, `prefix ${n}`);
      }
      assert.ok(waited > 0);
    });

    it(`${version} property: corrupted or cut flights never throw, and a capture never holds more than the server sent`, () => {
      const r = recorded[version];
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(r.flight.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(r.flight.length), (edits, cut) => {
          const copy = Buffer.from(r.flight.subarray(0, cut));
          for (const [i, v] of edits) if (i < copy.length) copy[i] = v;
          const outcome = replay(r, copy);
          if (outcome?.kind === "captured") assert.ok(outcome.chain.length <= 2 && outcome.caNames.length <= 1);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it("property: any bytes at all end in undefined (wait) or a fallback, never a throw or a capture", () => {
    const r = recorded.tls13;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const outcome = replay(r, bytes);
        assert.ok(outcome === undefined || outcome.kind === "fallback");
      }),
      { numRuns: 3000 },
    );
  });

  it("property: handshake-shaped plaintext records with random bodies never throw", () => {
    const r = recorded.tls12;
    const rec = fc.uint8Array({ maxLength: 400 }).map((body) => Buffer.concat([Buffer.from([0x16, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]));
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 6 }), (records) => {
        replay(r, Buffer.concat(records));
      }),
      { numRuns: 3000 },
    );
  });

  it("a flight over the size bound is a fallback, not a buffer that grows", () => {
    const r = recorded.tls12;
    const session = new CaptureSession(r.hello, r.key, 10);
    // A ServerHello header announcing a long message, then filler in full-size records.
    let outcome;
    const filler = Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00]), Buffer.alloc(0x4000, 0x41)]);
    for (let sent = 0; sent <= MAX_FLIGHT_BYTES + filler.length && outcome === undefined; sent += filler.length) outcome = session.receive(filler);
    assert.equal(outcome?.kind, "fallback");
  });
});

describe("server message parsers", () => {
  const parsers = {
    parseServerHello: (b: Uint8Array) => messages.parseServerHello(b),
    parseCertificate13: (b: Uint8Array) => messages.parseCertificate13(b, 10),
    parseCertificate12: (b: Uint8Array) => messages.parseCertificate12(b, 10),
    parseCertificateRequest13: (b: Uint8Array) => messages.parseCertificateRequest13(b),
    parseCertificateRequest12: (b: Uint8Array) => messages.parseCertificateRequest12(b),
  };
  for (const [name, parse] of Object.entries(parsers) as Array<[string, (b: Uint8Array) => unknown]>) {
    it(`property: ${name} on any bytes returns or throws MalformedTls, nothing else`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
          try {
            parse(bytes);
          } catch (err) {
            assert.ok(err instanceof MalformedTls, String(err));
          }
        }),
        { numRuns: 3000 },
      );
    });
  }

  it("a certificate entry whose length runs past its list is malformed", () => {
    // certificate_list of 6 bytes holding one entry that claims 200 bytes.
    assert.throws(() => messages.parseCertificate12(Uint8Array.from([0, 0, 6, 0, 0, 200, 1, 2, 3]), 10), MalformedTls);
  });
});
