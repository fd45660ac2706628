import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, NOW, at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { certNotYetValid } from "./cert-not-yet-valid.js";

const rows = [
  { name: "notBefore ahead of now is a warning", certs: [cert(record("c", { notBefore: NOW + 2 * DAY }), [at("file:/a.crt")])], want: ["warning file:/a.crt"] },
  { name: "notBefore exactly now is valid", certs: [cert(record("c", { notBefore: NOW }), [at("file:/a.crt")])], want: [] },
  { name: "valid since yesterday: silent", certs: [cert(record("c", { notBefore: NOW - DAY }), [at("file:/a.crt")])], want: [] },
  { name: "a backup-only copy is not live", certs: [cert(record("c", { notBefore: NOW + DAY }), [at("file:/b.crt", { backup: true })])], want: [] },
];

describe("cert-not-yet-valid", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(certNotYetValid.check(inventory({ certs: row.certs }), ctx)), row.want));

  it("quotes Go's error and blames the clock", () => {
    const [f] = certNotYetValid.check(inventory({ certs: [cert(record("c", { notBefore: NOW + 2 * DAY }), [at("file:/a.crt")])] }), ctx);
    assert.equal(f!.goError, "x509: certificate has expired or is not yet valid: current time 2026-06-01T00:00:00Z is before 2026-06-03T00:00:00Z");
    assert.match(f!.detail, /clock skew/);
  });
});
