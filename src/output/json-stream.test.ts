import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import fc from "fast-check";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import type { InventoryCert } from "../model/inventory.js";
import { primaryLocation } from "../rules/support/describe.js";
import { findFormat } from "./formats.js";
import { jsonReportChunks, summarize, toJsonReport } from "./json.js";
import { jsonChunks, lazyJsonArray } from "./json-stream.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/generated", import.meta.url));

/** The JSON report as it was rendered before it streamed: one object, one JSON.stringify (the golden reference). */
function wholeReportText(result: ScanResult): string {
  const certificates = result.certificates
    .map((cert: InventoryCert) => {
      const r = cert.record;
      return {
        fingerprint: r.fingerprint,
        subject: r.subject,
        issuer: r.issuer,
        serialNumber: r.serialNumber,
        notBefore: new Date(r.notBefore).toISOString(),
        notAfter: new Date(r.notAfter).toISOString(),
        isCA: r.isCA,
        dnsNames: r.dnsNames,
        ipAddresses: r.ipAddresses,
        keyType: r.keyType,
        keySize: r.keySize,
        signatureAlgorithm: r.signatureAlgorithm,
        subjectKeyId: r.subjectKeyId ?? null,
        authorityKeyId: r.authorityKeyId ?? null,
        spkiFingerprint: r.spkiFingerprint,
        role: primaryLocation(cert)?.roleTitle ?? null,
        locations: cert.locations.map((l) => l.ref),
        ...(cert.locations.some((l) => l.scope !== undefined) ? { scopes: cert.locations.map((l) => l.scope ?? null) } : {}),
        issuers: cert.issuers,
        backup: cert.backupOnly,
      };
    })
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.fingerprint.localeCompare(b.fingerprint));
  const report = {
    schemaVersion: 1,
    evaluatedAt: result.evaluatedAt.toISOString(),
    summary: summarize(result),
    certificates,
    findings: result.findings,
    keys: result.keys.map((k) => ({ location: k.location.ref, keyType: k.key.keyType, keySize: k.key.keySize, encrypted: k.key.encrypted, publicKeyFingerprint: k.key.spkiFingerprint ?? null })),
    notes: result.issues.filter((i) => !i.material).map((i) => ({ code: i.code, location: i.ref, message: i.message })),
  };
  return JSON.stringify(report, null, 2) + "\n";
}

describe("streamed JSON", () => {
  it("is JSON.stringify(value, null, 2) and a newline, byte for byte, at any depth and chunk size", () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined))))),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 64 }), (v, depth, chunkChars) => {
        assert.equal([...jsonChunks(v, { depth, chunkChars })].join(""), JSON.stringify(v, null, 2) + "\n");
      }),
      { numRuns: 500 },
    );
  });

  it("serialises a lazy array like the array of its elements, and an empty one as []", () => {
    const items = [{ a: 1, b: [1, 2, { c: "x\ny" }] }, null, "s"];
    assert.equal([...jsonChunks({ k: lazyJsonArray(items), e: lazyJsonArray([]) })].join(""), JSON.stringify({ k: items, e: [] }, null, 2) + "\n");
  });

  it("never holds the whole text: 200,000 elements come out in chunks near the chunk size", () => {
    let made = 0;
    const many = lazyJsonArray(
      (function* () {
        for (; made < 200_000; made++) yield { fingerprint: made.toString(16).padStart(64, "0"), locations: [`file:/etc/${made}.crt`] };
      })(),
    );
    let chunks = 0;
    let longest = 0;
    let total = 0;
    let madeAtFirstChunk = -1;
    for (const chunk of jsonChunks({ certificates: many }, { chunkChars: 16 * 1024 })) {
      if (madeAtFirstChunk < 0) madeAtFirstChunk = made;
      chunks++;
      longest = Math.max(longest, chunk.length);
      total += chunk.length;
    }
    assert.ok(total > 30_000_000, `total ${total}`);
    assert.ok(longest < 16 * 1024 + 1024, `longest chunk ${longest}`);
    assert.ok(chunks > 1000);
    assert.ok(madeAtFirstChunk < 1000, `the first chunk came after ${madeAtFirstChunk} elements were made`);
  });
});

describe("JSON report", () => {
  it("streams the same bytes as the single-string rendering of the fixture tree (every rule, scope and key kind)", async () => {
    const result = await scan({ paths: [FIXTURES], now: new Date("2026-12-01T00:00:00Z"), warnDays: 30, critDays: 7, workers: 0 });
    assert.ok(result.certificates.length > 20 && result.findings.length > 10 && result.keys.length > 0);
    const golden = wholeReportText(result);
    assert.equal([...jsonReportChunks(result)].join(""), golden);
    assert.equal(JSON.stringify(toJsonReport(result), null, 2) + "\n", golden);
    const format = findFormat("json")!;
    assert.equal([...format.renderChunks!(result, {} as never)].join(""), golden);
    assert.equal(format.render(result, {} as never), golden);
  });
});
