import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, NOW, at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { certExpired } from "./cert-expired.js";

const rows = [
  { name: "a leaf past its notAfter is critical", certs: [cert(record("leaf", { notAfter: NOW - DAY }), [at("file:/etc/kubernetes/pki/apiserver.crt")])], want: ["critical file:/etc/kubernetes/pki/apiserver.crt"] },
  { name: "notAfter itself is still valid (Go)", certs: [cert(record("leaf", { notAfter: NOW }), [at("file:/a.crt")])], want: [] },
  { name: "a valid leaf is silent", certs: [cert(record("leaf"), [at("file:/a.crt")])], want: [] },
  { name: "a copy only in a backup is not live", certs: [cert(record("old", { notAfter: NOW - DAY }), [at("file:/etc/kubernetes/pki.bak/apiserver.crt", { backup: true })])], want: [] },
  { name: "backup copies are not listed beside the live one", certs: [cert(record("old", { notAfter: NOW - DAY }), [at("file:/pki/a.crt"), at("file:/pki.bak/a.crt", { backup: true })])], want: ["critical file:/pki/a.crt"] },
  {
    name: "an expired root only in the OS trust store is info",
    certs: [cert(record("root", { isCA: true, notAfter: NOW - DAY }), [at("file:/etc/ssl/certs/old-root.pem", { path: "/etc/ssl/certs/old-root.pem" })], ["root"])],
    want: ["info file:/etc/ssl/certs/old-root.pem"],
  },
  {
    name: "the same root also used as a cluster CA is critical",
    certs: [cert(record("root", { isCA: true, notAfter: NOW - DAY }), [at("file:/etc/ssl/certs/r.pem", { path: "/etc/ssl/certs/r.pem" }), at("file:/etc/kubernetes/pki/ca.crt", { path: "/etc/kubernetes/pki/ca.crt" })], ["root"])],
    want: ["critical file:/etc/ssl/certs/r.pem file:/etc/kubernetes/pki/ca.crt"],
  },
];

describe("cert-expired", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(certExpired.check(inventory({ certs: row.certs }), ctx)), row.want));

  it("quotes Go's error with both times", () => {
    const [f] = certExpired.check(inventory({ certs: [cert(record("leaf", { notAfter: Date.parse("2026-05-30T12:00:00Z") }), [at("file:/a.crt")])] }), ctx);
    assert.equal(f!.goError, "x509: certificate has expired or is not yet valid: current time 2026-06-01T00:00:00Z is after 2026-05-30T12:00:00Z");
    assert.match(f!.title, /^Expired 1 day ago: CN=leaf$/);
  });

  it("a CA's consequence counts what it signed", () => {
    const ca = cert(record("ca", { isCA: true, notAfter: NOW - DAY }), [at("file:/pki/ca.crt")], ["ca"]);
    const leaf = cert(record("leaf"), [at("file:/pki/leaf.crt")], ["ca"]);
    const [f] = certExpired.check(inventory({ certs: [ca, leaf] }), ctx);
    assert.match(f!.detail, /It is a CA: every certificate it signed \(1 found in this scan\) stops verifying/);
  });
});
