import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect } from "node:net";
import fc from "fast-check";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { startOpensslServer, type LoopbackServer } from "../../../test/support/tls-servers.js";
import { formatDistinguishedName } from "../../pki/names.js";
import { buildClientHello, parseServerFlight, MAX_FLIGHT_BYTES } from "./handshake.js";

/** Sends our ClientHello to a real server and returns the raw bytes it answers until it goes quiet. */
function exchange(port: number, sni: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: "127.0.0.1", port }, () => s.write(buildClientHello(sni, new Uint8Array(32).fill(7))));
    const t = setTimeout(() => {
      s.destroy();
      resolve(Buffer.concat(chunks));
    }, 1500);
    s.on("data", (d: Buffer) => {
      chunks.push(d);
      if (parseServerFlight(Buffer.concat(chunks)).done) {
        clearTimeout(t);
        s.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

describe("TLS 1.2 server flight against openssl s_server", () => {
  let o: OpensslDir;
  let flight: Buffer;
  let server: LoopbackServer;
  before(async () => {
    o = makeOpensslDir("certdoctor-hs-");
    o.makeCa("ca", "/CN=hs-ca");
    o.makeCa("client-a", "/O=example/CN=client-a");
    o.makeCa("client-b", "/CN=client-b");
    o.write("clients.pem", o.readText("client-a.crt") + o.readText("client-b.crt"));
    o.makeLeaf("leaf", "ca", "/CN=hs-leaf", "DNS:hs.example");
    server = await startOpensslServer(o.dir, ["-cert", "leaf.crt", "-key", "leaf.key", "-cert_chain", "ca.crt", "-verify", "1", "-CAfile", "clients.pem"]);
    flight = await exchange(server.port, "hs.example");
  });
  after(async () => {
    await server.close();
    o.cleanup();
  });

  it("reads version, cipher, the certificate chain and the CA names", () => {
    const f = parseServerFlight(flight);
    assert.equal(f.done, true);
    assert.equal(f.error, undefined);
    assert.equal(f.version, 0x0303);
    assert.ok(f.cipherSuite !== undefined && f.cipherSuite > 0);
    o.toDer("leaf.crt", "leaf.der");
    o.toDer("ca.crt", "ca.der");
    assert.deepEqual(f.certificates.map((c) => Buffer.from(c).toString("hex")), [o.read("leaf.der").toString("hex"), o.read("ca.der").toString("hex")]);
    assert.equal(f.certificateRequested, true);
    assert.deepEqual(f.caNames.map(formatDistinguishedName), ["CN=client-a,O=example", "CN=client-b"]);
  });

  it("every prefix of the real flight parses without error and is done only at the end", () => {
    for (let n = 0; n < flight.length; n += 7) {
      const f = parseServerFlight(flight.subarray(0, n));
      assert.equal(f.error, undefined, `prefix ${n}`);
      assert.equal(f.done, false, `prefix ${n}`);
    }
  });

  it("property: random corruption of the real flight never throws and never yields more certificates than sent", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(flight.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(flight.length), (edits, cut) => {
        const copy = Buffer.from(flight.subarray(0, cut));
        for (const [i, v] of edits) if (i < copy.length) copy[i] = v;
        const f = parseServerFlight(copy);
        return f.certificates.length <= 2 && f.caNames.length <= 2;
      }),
      { numRuns: 3000 },
    );
  });
});

describe("parseServerFlight on arbitrary bytes", () => {
  const rows = [
    { name: "HTTP answer is not TLS", bytes: Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"), error: true, alert: undefined },
    { name: "SSH banner is not TLS", bytes: Buffer.from("SSH-2.0-OpenSSH_9.2\r\n"), error: true, alert: undefined },
    { name: "alert 80", bytes: Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50]), error: false, alert: 80 },
    { name: "oversized input", bytes: Buffer.alloc(MAX_FLIGHT_BYTES + 1, 0x16), error: true, alert: undefined },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const f = parseServerFlight(row.bytes);
      assert.equal(f.done, true);
      assert.equal(f.error !== undefined, row.error);
      assert.equal(f.alert, row.alert);
    });
  }

  it("property: total on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const f = parseServerFlight(bytes);
        return typeof f.done === "boolean" && Array.isArray(f.certificates);
      }),
      { numRuns: 3000 },
    );
  });

  it("property: handshake-shaped records with random bodies never throw", () => {
    const record = fc.uint8Array({ maxLength: 300 }).map((body) => Buffer.concat([Buffer.from([0x16, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        parseServerFlight(Buffer.concat(records));
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

describe("buildClientHello", () => {
  it("is one TLS handshake record holding a ClientHello with the server name", () => {
    const hello = Buffer.from(buildClientHello("node-1.example", new Uint8Array(32)));
    assert.equal(hello[0], 0x16);
    assert.equal(hello.readUInt16BE(3), hello.length - 5);
    assert.equal(hello[5], 1);
    assert.ok(hello.includes(Buffer.from("node-1.example")));
  });
});
