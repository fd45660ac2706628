import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, brief, cert, ctx, inventory, object, record } from "../../test/support/facts.js";
import { webhookCaBundleMismatch } from "./webhook-cabundle-mismatch.js";

const HOOK = "webhook:hook#webhooks/0";
const bundleCa = record("ca-bundle", { isCA: true, subject: "CN=bundle CA" });
const otherCa = record("ca-other", { isCA: true, subject: "CN=other CA" });
const webhook = object("ValidatingWebhookConfiguration", HOOK, { name: "hook", service: { namespace: "hooks", name: "svc", port: 443 } });

function cluster(serving: Array<{ secret: string; sans?: string[]; issuer: string }>, objects = [webhook]) {
  const certs = [
    cert(bundleCa, [at(`${HOOK}/clientConfig/caBundle`, { context: HOOK, anchor: true })], ["ca-bundle"]),
    cert(otherCa, [at("secret:hooks/ca#ca.crt", { anchor: true })], ["ca-other"]),
    ...serving.map((s, i) => cert(record(`serving${i}`, { dnsNames: s.sans ?? [] }), [at(`secret:${s.secret}#tls.crt`)], [s.issuer])),
  ];
  return inventory({ certs, objects });
}

const rows = [
  { name: "the serving certificate (by SAN) is signed by the bundle's CA: silent", inv: cluster([{ secret: "hooks/anything", sans: ["svc.hooks.svc"], issuer: "ca-bundle" }]), want: [] },
  {
    name: "found by SAN, signed by another CA: critical",
    inv: cluster([{ secret: "hooks/anything", sans: ["svc.hooks.svc"], issuer: "ca-other" }]),
    want: [`critical ${HOOK} ${HOOK}/clientConfig/caBundle secret:hooks/anything#tls.crt`],
  },
  { name: "found by Secret name (svc-tls)", inv: cluster([{ secret: "hooks/svc-tls", issuer: "ca-other" }]), want: [`critical ${HOOK} ${HOOK}/clientConfig/caBundle secret:hooks/svc-tls#tls.crt`] },
  { name: "a Secret in another namespace is not the service's", inv: cluster([{ secret: "other/svc-tls", issuer: "ca-other" }]), want: [] },
  { name: "no serving certificate stored: nothing to compare", inv: cluster([]), want: [] },
  { name: "an object without a service (URL webhook) is not checked", inv: cluster([{ secret: "hooks/svc-tls", issuer: "ca-other" }], [object("ValidatingWebhookConfiguration", HOOK, { name: "hook" })]), want: [] },
  {
    name: "a SAN match wins over a name match",
    inv: cluster([{ secret: "hooks/svc-tls", issuer: "ca-other" }, { secret: "hooks/x", sans: ["svc.hooks.svc.cluster.local"], issuer: "ca-bundle" }]),
    want: [],
  },
];

describe("webhook-cabundle-mismatch", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(webhookCaBundleMismatch.check(row.inv, ctx)), row.want));

  it("with a cert-manager owner, points at cainjector", () => {
    const owner = object("Certificate", "certificate.cert-manager.io:hooks/svc", { namespace: "hooks", name: "svc", secretName: "svc-tls" });
    const [f] = webhookCaBundleMismatch.check(cluster([{ secret: "hooks/svc-tls", issuer: "ca-other" }], [webhook, owner]), ctx);
    assert.match(f!.remediation, /cert-manager\.io\/inject-ca-from: hooks\/svc/);
  });
});
