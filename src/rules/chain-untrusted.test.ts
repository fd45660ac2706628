import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CertRecord } from "../model/cert.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { DAY, NOW, at, cert, ctx, endpoint, inventory, record } from "../../test/support/facts.js";
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

describe("chain-untrusted for a probed endpoint", () => {
  const EP = "endpoint:10.0.0.1:443";
  const root = (id = "root", fields: Partial<CertRecord> = {}) => record(id, { isCA: true, subject: "CN=root", ...fields });
  const inter = record("inter", { isCA: true, subject: "CN=inter", issuer: "CN=root" });
  const served = record("served", { issuer: "CN=inter", dnsNames: ["api"] });
  /** The endpoint presented `chain` (leaf first); `stored` certificates sit in files. */
  function probe(chain: Array<[CertRecord, string[]]>, stored: InventoryCert[]) {
    const presented = chain.map(([r, issuers], i) => cert(r, [at(`${EP}#${i}`, { context: EP })], issuers));
    const certs = [...presented, ...stored.filter((s) => !presented.some((p) => p.record.fingerprint === s.record.fingerprint))];
    return chainUntrusted.check(inventory({ certs, endpoints: [endpoint("10.0.0.1", 443, { chain: chain.map((_, i) => `${EP}#${i}`) })] }), ctx)
      .filter((f) => f.locations[0] === EP)
      .map((f) => `${f.severity} ${f.title}`);
  }
  const rootOnDisk = cert(root(), [at("file:/pki/root.crt")], ["root"]);
  const interOnDisk = cert(inter, [at("file:/pki/inter.crt")], ["root"]);

  const rows = [
    { name: "leaf + intermediate sent, root stored: silent", chain: [[served, ["inter"]], [inter, ["root"]]] as Array<[CertRecord, string[]]>, stored: [rootOnDisk], want: [] },
    {
      name: "only the leaf sent, clients trust the root (ca=), the intermediate only on disk: it does not send its intermediate",
      chain: [[served, ["inter"]]] as Array<[CertRecord, string[]]>,
      stored: [cert(root(), [at("file:/pki/root.crt", { context: EP, anchor: true })], ["root"]), interOnDisk],
      want: ["critical 10.0.0.1:443 does not send its intermediate CA: CN=served"],
    },
    {
      name: "an intermediate stored under the issuer's name with another key: not trusted",
      chain: [[served, []]] as Array<[CertRecord, string[]]>,
      stored: [cert(record("inter2", { isCA: true, subject: "CN=inter", issuer: "CN=inter" }), [at("file:/pki/inter2.crt")], ["inter2"])],
      want: ["critical 10.0.0.1:443 presents a certificate its clients do not trust: CN=served"],
    },
    { name: "nothing stored under the claimed issuer names: nothing to judge here", chain: [[served, ["inter"]], [inter, ["root"]]] as Array<[CertRecord, string[]]>, stored: [], want: [] },
  ];
  for (const row of rows) it(row.name, () => assert.deepEqual(probe(row.chain, row.stored), row.want));
});
