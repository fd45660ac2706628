import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, NOW, at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { certExpiring } from "./cert-expiring.js";

const year = (notAfter: number) => record("c", { notBefore: notAfter - 365 * DAY, notAfter });
const here = [at("file:/pki/c.crt")];

const rows = [
  { name: "31 days left of a year: silent", certs: [cert(year(NOW + 31 * DAY), here)], want: [] },
  { name: "30 days left: warning (--warn-days 30)", certs: [cert(year(NOW + 30 * DAY), here)], want: ["warning file:/pki/c.crt"] },
  { name: "7 days left: critical (--crit-days 7)", certs: [cert(year(NOW + 7 * DAY), here)], want: ["critical file:/pki/c.crt"] },
  { name: "already expired is cert-expired's", certs: [cert(year(NOW - 1), here)], want: [] },
  { name: "not yet valid is cert-not-yet-valid's", certs: [cert(record("c", { notBefore: NOW + DAY, notAfter: NOW + 2 * DAY }), here)], want: [] },
  // A 24-hour certificate with 10 hours left has more than a third of its life: renewal has not failed yet.
  { name: "short-lived: 10 of 24 hours left is silent", certs: [cert(record("c", { notBefore: NOW - 14 * 3_600_000, notAfter: NOW + 10 * 3_600_000 }), here)], want: [] },
  { name: "short-lived: 7 of 24 hours left is a warning", certs: [cert(record("c", { notBefore: NOW - 17 * 3_600_000, notAfter: NOW + 7 * 3_600_000 }), here)], want: ["warning file:/pki/c.crt"] },
  { name: "short-lived: 2 of 24 hours left is critical", certs: [cert(record("c", { notBefore: NOW - 22 * 3_600_000, notAfter: NOW + 2 * 3_600_000 }), here)], want: ["critical file:/pki/c.crt"] },
  {
    name: "a root expiring only in the OS trust store is info",
    certs: [cert(record("r", { isCA: true, notAfter: NOW + 3 * DAY }), [at("file:/etc/pki/tls/certs/r.pem", { path: "/etc/pki/tls/certs/r.pem" })], ["r"])],
    want: ["info file:/etc/pki/tls/certs/r.pem"],
  },
  { name: "backup-only copies are not live", certs: [cert(year(NOW + 3 * DAY), [at("file:/pki.bak/c.crt", { backup: true })])], want: [] },
];

describe("cert-expiring", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(certExpiring.check(inventory({ certs: row.certs }), ctx)), row.want));

  it("--absolute-thresholds does not scale the windows for short-lived certificates", () => {
    const c = cert(record("c", { notBefore: NOW - 14 * 3_600_000, notAfter: NOW + 10 * 3_600_000 }), here);
    assert.deepEqual(brief(certExpiring.check(inventory({ certs: [c] }), { ...ctx, absoluteThresholds: true })), ["critical file:/pki/c.crt"]);
  });

  it("says when it breaks and why at this level", () => {
    const [f] = certExpiring.check(inventory({ certs: [cert(year(NOW + 7 * DAY), here)] }), ctx);
    assert.equal(f!.breaksAt, new Date(NOW + 7 * DAY).toISOString());
    assert.match(f!.detail, /critical: within --crit-days 7/);
  });
});
