import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, cert, ctx, inventory, key, object, record } from "../../test/support/facts.js";
import { tlsSecretInvalid } from "./tls-secret-invalid.js";

const S = "secret:web/tls";
const caA = record("ca-a", { isCA: true, subject: "CN=ca" });
const caOther = record("ca-o", { isCA: true, subject: "CN=other PKI" });
const caSameName = record("ca-b", { isCA: true, subject: "CN=ca" });
const leaf = record("leaf", { issuer: "CN=ca" });
const inSecret = (k: string, anchor = false) => at(`${S}#${k}`, { context: S, anchor });

function secret(tlsCrt: Array<[ReturnType<typeof record>, string[]]>, caCrt?: ReturnType<typeof record>, keys = [] as ReturnType<typeof key>[], objects = [] as ReturnType<typeof object>[]) {
  const certs = tlsCrt.map(([r, issuers], i) => cert(r, [inSecret(tlsCrt.length === 1 ? "tls.crt" : `tls.crt/${i}`)], issuers));
  if (caCrt) certs.push(cert(caCrt, [inSecret("ca.crt", true)], [caCrt.fingerprint]));
  return inventory({ certs, keys, objects });
}
const titles = (inv: ReturnType<typeof inventory>) => tlsSecretInvalid.check(inv, ctx).map((f) => `${f.severity} ${f.title}`);

const rows = [
  { name: "leaf signed by the CA in ca.crt: silent", inv: secret([[leaf, ["ca-a"]]], caA), want: [] },
  { name: "no ca.crt: nothing to compare", inv: secret([[leaf, []]]), want: [] },
  { name: "ca.crt from another PKI", inv: secret([[leaf, []]], caOther), want: ["critical TLS Secret web/tls: ca.crt does not verify tls.crt"] },
  // Same issuer name, other key: chain-untrusted reports that with Go's words; this rule stays quiet.
  { name: "ca.crt of the same name but another key is chain-untrusted's", inv: secret([[leaf, []]], caSameName), want: [] },
  {
    name: "tls.crt with the CA first",
    inv: secret([[caA, ["ca-a"]], [leaf, ["ca-a"]]]),
    want: ["critical TLS Secret web/tls: tls.crt starts with a CA, not the server's certificate"],
  },
  { name: "a CA alone in tls.crt (a CA Secret) is not out of order", inv: secret([[caA, ["ca-a"]]]), want: [] },
  { name: "an encrypted tls.key", inv: secret([[leaf, ["ca-a"]]], caA, [key({ encrypted: true }, inSecret("tls.key"))]), want: ["critical TLS Secret web/tls: tls.key is encrypted"] },
  { name: "an encrypted key under another name is not tls.key", inv: secret([[leaf, ["ca-a"]]], caA, [key({ encrypted: true }, inSecret("other.key"))]), want: [] },
];

describe("tls-secret-invalid", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(titles(row.inv), row.want));

  it("says when cert-manager manages the Secret", () => {
    const owner = object("Certificate", "certificate.cert-manager.io:web/tls", { namespace: "web", name: "tls", secretName: "tls", issuerRef: "ClusterIssuer/corp" });
    const [f] = tlsSecretInvalid.check(secret([[leaf, []]], caOther, [], [owner]), ctx);
    assert.match(f!.detail, /managed by cert-manager Certificate web\/tls \(issuer ClusterIssuer\/corp\)/);
  });
});
