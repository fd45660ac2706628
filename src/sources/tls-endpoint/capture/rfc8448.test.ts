import assert from "node:assert/strict";
import { createPrivateKey, diffieHellman, createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import { rfc8448 } from "../../../../test/support/rfc8448.js";
import { handshakeRecord } from "./client-hello.js";
import { deriveHandshakeSecrets, tls13SuiteById, trafficKey, transcriptHash } from "./key-schedule.js";
import { openRecord } from "./record-protection.js";
import { CaptureSession } from "./session.js";

const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const clientKey = () => createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, rfc8448.clientPrivateKey]), format: "der", type: "pkcs8" });
const aes128 = tls13SuiteById(0x1301)!;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("RFC 8448 §3 simple 1-RTT handshake", () => {
  it("the client's X25519 key and the server's share give the RFC's shared secret", () => {
    const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), rfc8448.serverPublicKey]), format: "der", type: "spki" });
    assert.equal(hex(diffieHellman({ privateKey: clientKey(), publicKey })), hex(rfc8448.sharedSecret));
  });

  it("the key schedule gives the RFC's secrets, server handshake key and IV", () => {
    const helloHash = transcriptHash("sha256", [rfc8448.clientHello, rfc8448.serverHello]);
    assert.equal(hex(helloHash), hex(rfc8448.transcriptHash));
    const s = deriveHandshakeSecrets("sha256", rfc8448.sharedSecret, helloHash);
    assert.equal(hex(s.earlySecret), hex(rfc8448.earlySecret));
    assert.equal(hex(s.handshakeSecret), hex(rfc8448.handshakeSecret));
    assert.equal(hex(s.serverHandshakeTrafficSecret), hex(rfc8448.serverHandshakeTrafficSecret));
    const k = trafficKey(aes128, s.serverHandshakeTrafficSecret);
    assert.equal(hex(k.key), hex(rfc8448.serverHandshakeKey));
    assert.equal(hex(k.iv), hex(rfc8448.serverHandshakeIv));
  });

  it("opens the server's protected flight; one flipped bit and it does not authenticate", () => {
    const key = { key: Buffer.from(rfc8448.serverHandshakeKey), iv: Buffer.from(rfc8448.serverHandshakeIv) };
    const record = rfc8448.serverFlightRecord;
    const opened = openRecord(aes128, key, 0, record.subarray(0, 5), record.subarray(5));
    assert.equal(opened?.contentType, 22);
    assert.equal(opened?.content.length, 657);
    assert.equal(opened?.content[0], 8); // EncryptedExtensions first
    const tampered = Uint8Array.from(record);
    tampered[100]! ^= 1;
    assert.equal(openRecord(aes128, key, 0, tampered.subarray(0, 5), tampered.subarray(5)), undefined);
    assert.equal(openRecord(aes128, key, 1, record.subarray(0, 5), record.subarray(5)), undefined, "the wrong sequence number");
  });

  it("a capture session given the RFC's hello and key captures the RFC's certificate from the server's bytes", () => {
    const session = new CaptureSession(rfc8448.clientHello, clientKey(), 10);
    const serverBytes = Buffer.concat([Buffer.from(handshakeRecord(rfc8448.serverHello)).fill(0x03, 2, 3), rfc8448.serverFlightRecord]);
    // Byte by byte: every record and message boundary falls inside a read somewhere.
    let outcome;
    for (let i = 0; i < serverBytes.length && outcome === undefined; i++) outcome = session.receive(serverBytes.subarray(i, i + 1));
    assert.equal(outcome?.kind, "captured");
    if (outcome?.kind !== "captured") return;
    assert.equal(outcome.tlsVersion, "TLSv1.3");
    assert.equal(outcome.cipher, "TLS_AES_128_GCM_SHA256");
    assert.deepEqual(outcome.chain.map(hex), [hex(rfc8448.serverCertificate)]);
    assert.equal(outcome.certificateRequested, false);
  });
});
