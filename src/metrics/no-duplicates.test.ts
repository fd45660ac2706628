/**
 * The property behind enix's #18/#21/#244 (one duplicate label set turns all of /metrics into an HTTP 500):
 * whatever the inventory — the same certificate at many refs, many certificates at one ref, refs that
 * differ only in a trailing `/N` or in the parts enix has no label for, bad items at the same refs — and
 * whatever the options, no two samples of a family ever carry the same label set, and no certificate
 * location with an enix slot is ever dropped for it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "../../test/support/exposition.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { ErrorCode } from "../errors.js";
import { scan } from "../engine/scan.js";
import { Inventory } from "../inventory/inventory.js";
import type { CertRecord } from "../model/cert.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { ScanIssue } from "../model/issue.js";
import { MetricsExporter } from "./exporter.js";
import { parseMetricsOptions } from "./options.js";
import type { MetricsState } from "./state.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const pki = new FixedPki();
let records: CertRecord[] = [];

before(async () => {
  pki.issue("ca", { subj: "/C=FR/O=Dup/CN=Dup CA", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
  pki.issue("leaf", { subj: "/CN=leaf", start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", signer: "ca" });
  pki.issue("twin", { subj: "/CN=leaf", start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", signer: "ca", serial: "01" });
  pki.issue("other", { subj: "/CN=leaf", start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", signer: "ca", serial: "01" });
  pki.put("all.pem", pki.pem("ca") + pki.pem("leaf") + pki.pem("twin") + pki.pem("other"));
  const result = await scan({ paths: [pki.tree], now: new Date(NOW), warnDays: 30, critDays: 7, workers: 0 });
  records = result.inventory.certs.map((c) => c.record);
  assert.equal(records.length, 4);
});
after(() => pki.cleanup());

/** Few and odd values, so that collisions are the rule, not the exception. */
const part = fc.constantFrom("a", "b", "a b", 'q"x', "back\\slash", "new\nline", "é", "");
const index = fc.constantFrom("", "/1", "/2");
const ref = fc.oneof(
  fc.tuple(part, part).map(([d, f]) => `file:/t/${d}/${f}`),
  fc.tuple(part, fc.constantFrom("users", "clusters"), part, index).map(([f, k, n, i]) => `kubeconfig:/t/${f}#${k}/${n}${i}`),
  fc.tuple(fc.constantFrom("secret", "configmap"), part, part, fc.constantFrom("tls.crt", "ca.crt"), index).map(([k, ns, n, key, i]) => `${k}:${ns}/${n}#${key}${i}`),
  fc.tuple(part, fc.constantFrom("0", "1"), index).map(([n, i, x]) => `webhook:${n}#webhooks/${i}/clientConfig/caBundle${x}`),
  fc.tuple(fc.constantFrom("apiservice", "crd"), part, index).map(([k, n, i]) => `${k}:${n}#spec.caBundle${i}`),
  fc.tuple(part).map(([n]) => `csr:${n}#status.certificate`),
  fc.tuple(part).map(([n]) => `endpoint:${n}:443`),
);
const location = fc.record({ ref, backup: fc.boolean(), node: fc.constantFrom(undefined, "n1", "n2") });
const inventory = fc.record({
  certs: fc.array(fc.record({ record: fc.integer({ min: 0, max: 3 }), locations: fc.array(location, { minLength: 1, maxLength: 6 }) }), { maxLength: 12 }),
  bad: fc.array(ref, { maxLength: 6 }),
});
const options = fc.record({
  emitEmptyLabels: fc.boolean(),
  collisionDiscriminator: fc.constantFrom("auto", "always"),
  excludeBackups: fc.boolean(),
  leafOnly: fc.boolean(),
  exposeRelative: fc.boolean(),
  trimPathComponents: fc.integer({ min: 0, max: 3 }),
  exposeSubjectFields: fc.subarray(["C", "O", "CN"]),
  exposeIssuerFields: fc.subarray(["C", "O", "CN"]),
  // enix v3's --expose-labels: fewer labels, more collisions, still no duplicate.
  metricLabelsFilterList: fc.option(fc.subarray(["filename", "filepath", "embedded_key", "secret_name", "secret_key", "cabundle_entry", "serial_number", "subject_CN", "issuer_O"])),
});

function build(gen: { certs: Array<{ record: number; locations: Array<{ ref: string; backup: boolean; node: string | undefined }> }>; bad: string[] }): MetricsState {
  const byRecord = new Map<number, InventoryCert>();
  for (const c of gen.certs) {
    let cert = byRecord.get(c.record);
    if (cert === undefined) byRecord.set(c.record, (cert = { record: records[c.record]!, locations: [], backupOnly: false, issuers: [], rejectedIssuers: [] }));
    for (const l of c.locations) {
      const loc: Location = { ref: l.ref, context: "t", anchor: false, backup: l.backup, ...(l.node ? { node: l.node } : {}) };
      if (l.ref.startsWith("file:") || l.ref.startsWith("kubeconfig:")) loc.path = l.ref.slice(l.ref.indexOf(":") + 1).split("#")[0]!;
      cert.locations.push(loc);
    }
  }
  const issues: ScanIssue[] = gen.bad.map((r) => ({ code: ErrorCode.ERR_PEM_INVALID, ref: r, message: "bad block", material: true }));
  const inv = new Inventory([...byRecord.values()], [], [], [], issues);
  return { version: 1, diagnosed: { inventory: inv, findings: [], issues, evaluatedAt: new Date(NOW), durationMs: 1 }, sources: [] };
}

const ENIX_KINDS = /^(file|kubeconfig|secret|configmap|webhook|apiservice|crd):/;

function expectedLocations(state: MetricsState, o: { excludeBackups: boolean; leafOnly: boolean }): number {
  let n = 0;
  for (const c of state.diagnosed.inventory.certs) {
    if (o.leafOnly && c.record.isCA) continue;
    for (const l of c.locations) if (!(o.excludeBackups && l.backup) && ENIX_KINDS.test(l.ref)) n++;
  }
  return n;
}

describe("no duplicate label set, whatever the inventory (property)", () => {
  it("every family's samples are distinct series in both formats, and no location is dropped for a collision", () => {
    fc.assert(
      fc.property(inventory, options, (gen, raw) => {
        const state = build(gen);
        const exporter = new MetricsExporter({ build: { version: "t" }, options: parseMetricsOptions(raw) });
        const text = Buffer.concat(exporter.render(state, "text", NOW).chunks).toString("utf8");
        const exp = parseExposition(text); // throws on a duplicate series
        parseExposition(Buffer.concat(exporter.render(state, "openmetrics", NOW).chunks).toString("utf8"), "openmetrics");
        assert.equal(samplesOf(exp, "x509_cert_not_after").length, expectedLocations(state, raw));
        assert.equal(samplesOf(exp, "certdoctor_cert_info").length, expectedLocations(state, raw));
      }),
      { numRuns: 300 },
    );
  });

  it("a rescan renders what a fresh exporter renders, whether it finds everything where it was or not (plan and segment reuse)", () => {
    fc.assert(
      // changed: the same places found again (null), other certificates at the same places (a shift of the records), or another inventory.
      fc.property(inventory, fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 3 }), inventory), options, (first, changed, raw) => {
        const o = parseMetricsOptions(raw);
        const exporter = new MetricsExporter({ build: { version: "t" }, options: o, gzip: true });
        // The per-certificate families (counters differ: this exporter has seen two scans).
        const text = (e: MetricsExporter, s: MetricsState) =>
          gunzipSync(Buffer.concat(e.render(s, "text", NOW).chunks))
            .toString("utf8")
            .split("\n")
            .filter((l) => /^(x509_cert_(?!collision)|certdoctor_cert_info)/.test(l))
            .join("\n");
        text(exporter, { ...build(first), version: 1 });
        const gen = changed === null ? first : typeof changed === "number" ? { ...first, certs: first.certs.map((c) => ({ ...c, record: (c.record + changed) % 4 })) } : changed;
        const second = { ...build(gen), version: 2 };
        assert.equal(text(exporter, second), text(new MetricsExporter({ build: { version: "t" }, options: o, gzip: true }), second));
      }),
      { numRuns: 200 },
    );
  });

  it("promtool agrees on a worst case: every certificate at every colliding ref, with bad items at the same refs", () => {
    const refs = ["file:/t/a/b", "file:/t/a/b#1", "secret:ns/s#tls.crt", "secret:ns/s#tls.crt/1", "webhook:w#webhooks/0/clientConfig/caBundle", "webhook:w#webhooks/0/clientConfig/caBundle/1"];
    const state = build({
      certs: [0, 1, 2, 3].map((record) => ({ record, locations: refs.map((r) => ({ ref: r, backup: false, node: undefined })) })),
      bad: [...refs, ...refs],
    });
    for (const emitEmptyLabels of [true, false]) {
      const exporter = new MetricsExporter({ build: { version: "t" }, options: parseMetricsOptions({ emitEmptyLabels }) });
      const text = Buffer.concat(exporter.render(state, "text", NOW).chunks).toString("utf8");
      assert.equal(promtoolCheckMetrics(text), "");
      const exp = parseExposition(text);
      assert.equal(samplesOf(exp, "x509_cert_not_after").length, 24);
      assert.equal(samplesOf(exp, "x509_cert_error").filter((s) => s.value === 1).length, 12);
    }
  });
});
