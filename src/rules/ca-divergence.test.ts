import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { caDivergence } from "./ca-divergence.js";

/** A CA named CN=kubernetes with its own key (`variant`), self-signed. */
const ca = (variant: string, ...locations: Parameters<typeof at>[]) =>
  cert(record(`ca-${variant}`, { isCA: true, subject: "CN=kubernetes", spkiFingerprint: `key-${variant}` }), locations.map((l) => at(...l)), [`ca-${variant}`]);
const role = (caIdentity: string, scope?: string) => ({ caIdentity, ...(scope ? { scope } : {}) });

const rows = [
  { name: "one CA everywhere: silent", certs: [ca("a", ["file:/n1/pki/ca.crt", role("kubeadm-ca")], ["file:/n2/pki/ca.crt", role("kubeadm-ca")])], want: [] },
  {
    name: "two keys in one layout CA role: critical",
    certs: [ca("a", ["file:/n1/pki/ca.crt", role("kubeadm-ca")]), ca("b", ["file:/n2/pki/ca.crt", role("kubeadm-ca")])],
    want: ["critical file:/n1/pki/ca.crt file:/n2/pki/ca.crt"],
  },
  { name: "same subject, different keys, no layout role: warning", certs: [ca("a", ["file:/x/ca.crt"]), ca("b", ["file:/y/ca.crt"])], want: ["warning file:/x/ca.crt file:/y/ca.crt"] },
  { name: "different cluster scopes never diverge", certs: [ca("a", ["file:/c1/pki/ca.crt", role("kubeadm-ca", "c1")]), ca("b", ["file:/c2/pki/ca.crt", role("kubeadm-ca", "c2")])], want: [] },
  { name: "a backup of the old CA is no variant", certs: [ca("a", ["file:/pki/ca.crt", role("kubeadm-ca")]), ca("b", ["file:/pki.bak/ca.crt", { ...role("kubeadm-ca"), backup: true }])], want: [] },
  {
    name: "a chain copy after a leaf does not list the bundle, only where the CA lives",
    certs: [ca("a", ["file:/pki/ca.crt", role("kubeadm-ca")]), ca("b", ["file:/k3s/ca.crt", role("kubeadm-ca")], ["file:/k3s/serving.crt#1"])],
    want: ["critical file:/pki/ca.crt file:/k3s/ca.crt"],
  },
];

describe("ca-divergence", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(caDivergence.check(inventory({ certs: row.certs }), ctx)), row.want));

  it("the layout group is reported once, not again by subject", () => {
    const found = caDivergence.check(inventory({ certs: [ca("a", ["file:/n1/ca.crt", role("kubeadm-ca")]), ca("b", ["file:/n2/ca.crt", role("kubeadm-ca")])] }), ctx);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.title, '2 different CAs share CA role "kubeadm-ca"');
  });

  it("recommends the variant that signed the most certificates in use", () => {
    const a = ca("a", ["file:/n1/ca.crt", role("kubeadm-ca")]);
    const b = ca("b", ["file:/n2/ca.crt", role("kubeadm-ca")]);
    const leaves = [1, 2].map((i) => cert(record(`leaf${i}`), [at(`file:/n2/leaf${i}.crt`)], ["ca-b"]));
    const [f] = caDivergence.check(inventory({ certs: [a, b, ...leaves] }), ctx);
    assert.match(f!.remediation, /^Variant 2 signed the most/);
    assert.match(f!.detail, /variant 2 .* signed 2 certificates in use \(e\.g\. file:\/n2\/leaf1\.crt, file:\/n2\/leaf2\.crt\)/);
  });
});
