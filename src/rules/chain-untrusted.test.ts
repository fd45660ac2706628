import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CertRecord } from "../model/cert.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { DAY, NOW, at, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { chainUntrusted } from "./chain-untrusted.js";

// Signatures are facts here: a certificate's `issuers` are the fingerprints whose key verifiably signed it.
const S = "secret:web/tls";
const ca = (id: string, fields: Partial<CertRecord> = {}) => record(id, { isCA: true, subject: "CN=ca", ...fields });
const leaf = (fields: Partial<CertRecord> = {}) => record("leaf", { issuer: "CN=ca", ...fields });
const tlsCrt = at(`${S}#tls.crt`, { context: S });
const caCrt = at(`${S}#ca.crt`, { context: S, anchor: true });
const placed = (r: CertRecord, l: Location[], issuers: string[], rejected: string[] = []): InventoryCert => cert(r, l, issuers, { rejectedIssuers: rejected });
const verdicts = (certs: InventoryCert[]) => chainUntrusted.check(inventory({ certs }), ctx).map((f) => `${f.severity} ${f.title}`);

const rows = [
  { name: "signed by the CA in ca.crt: silent", certs: [placed(leaf(), [tlsCrt], ["ca"]), placed(ca("ca"), [caCrt], ["ca"])], want: [] },
  {
    name: "ca.crt has the issuer's name but another key",
    certs: [placed(leaf(), [tlsCrt], [], ["ca2"]), placed(ca("ca2"), [caCrt], ["ca2"])],
    want: ["critical Not signed by the CA it is deployed with: CN=leaf"],
  },
  {
    name: "ca.crt is another PKI's CA: its chain never reaches it",
    certs: [placed(leaf(), [tlsCrt], []), placed(ca("other", { subject: "CN=other" }), [caCrt], ["other"])],
    want: ["critical Not issued by the CA it is deployed with: CN=leaf"],
  },
  {
    name: "an unrelated CA in the same directory says nothing (no pairing): only 'issuer not in scan'",
    certs: [placed(leaf(), [at("file:/d/leaf.crt", { context: "dir:/d" })], []), placed(ca("other", { subject: "CN=other" }), [at("file:/d/other.crt", { context: "dir:/d" })], ["other"])],
    want: ["info Issuer not in scan: CN=leaf"],
  },
  {
    name: "a server-only certificate as a kubeconfig user: extended key usage",
    certs: [
      placed(leaf({ extKeyUsage: ["serverAuth"] }), [at("kubeconfig:/k#users/admin", { context: "kubeconfig:/k" })], ["ca"]),
      placed(ca("ca"), [at("kubeconfig:/k#clusters/c", { context: "kubeconfig:/k", anchor: true })], ["ca"]),
    ],
    want: ["critical Extended key usage does not allow this use: CN=leaf"],
  },
  {
    name: "issued by a certificate that is not a CA",
    certs: [placed(leaf({ issuer: "CN=not-ca" }), [at("file:/d/leaf.crt", { context: "dir:/d" })], []), placed(record("nc", { subject: "CN=not-ca", issuer: "CN=not-ca" }), [at("file:/x/nc.crt")], ["nc"])],
    want: ["critical Issuer is not a CA: CN=leaf"],
  },
  { name: "an expired CA is cert-expired's, not this rule's", certs: [placed(leaf(), [tlsCrt], ["ca"]), placed(ca("ca", { notAfter: NOW - DAY }), [caCrt], ["ca"])], want: [] },
  { name: "a self-signed certificate has nothing to chain to", certs: [placed(ca("root"), [at("file:/r.crt")], ["root"])], want: [] },
  { name: "a broken self-signature", certs: [placed(ca("root"), [at("file:/r.crt")], [])], want: ["critical Self-signature does not verify: CN=ca"] },
  { name: "only in a backup: not live", certs: [placed(leaf(), [at(`${S}#tls.crt`, { context: S, backup: true })], []), placed(ca("other", { subject: "CN=other" }), [caCrt], ["other"])], want: [] },
];

describe("chain-untrusted", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(verdicts(row.certs), row.want));

  it("quotes Go's unknown-authority error with the candidate it rejected", () => {
    const found = chainUntrusted.check(inventory({ certs: [placed(leaf(), [tlsCrt], [], ["ca2"]), placed(ca("ca2"), [caCrt], ["ca2"])] }), ctx);
    assert.match(found[0]!.goError!, /^x509: certificate signed by unknown authority \(possibly because of .* while trying to verify candidate authority certificate "ca"\)$/);
    assert.deepEqual(found[0]!.locations, [`${S}#tls.crt`, `${S}#ca.crt`]);
  });
});
