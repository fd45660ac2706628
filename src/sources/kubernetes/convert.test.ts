import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { V1Secret } from "@kubernetes/client-node";
import type { KubeObjectItem } from "../../model/items.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { fixturePath } from "../../../test/support/fixtures.js";
import { objectToItems, toJsonShape } from "./convert.js";
import { KINDS, parseReadRef, readRef } from "./kinds.js";

const ctx = { limits: defaultLimits, pkcs12Passwords: [] };
const spec = (kind: string) => KINDS.find((k) => k.kind === kind)!;

describe("objectToItems", () => {
  it("reads a typed client object (Date fields, no kind) like the JSON the API sent", () => {
    const s = new V1Secret();
    s.metadata = { name: "web", namespace: "apps", creationTimestamp: new Date("2026-01-01T00:00:00Z") };
    s.data = { "ca.crt": Buffer.from(readFileSync(fixturePath("chain-ok", "root-ca.crt"))).toString("base64") };
    const items = objectToItems(s, spec("Secret"), ctx);
    assert.deepEqual(items.map((i) => (isScanIssue(i) ? i.code : `${i.type} ${i.ref}`)), ["cert secret:apps/web#ca.crt"]);
    assert.deepEqual(toJsonShape({ a: new Date("2026-01-01T00:00:00Z"), b: [new Date(Number.NaN)] }), { a: "2026-01-01T00:00:00.000Z", b: [undefined] });
  });

  const factsRows = [
    { name: "webhook with a service", kind: "ValidatingWebhookConfiguration", obj: { metadata: { name: "w" }, webhooks: [{ clientConfig: { url: "https://x" } }, { clientConfig: { service: { namespace: "n", name: "s", port: 8443 } } }] }, want: ["webhook:w#webhooks/1 n/s:8443"] },
    { name: "APIService", kind: "APIService", obj: { metadata: { name: "v1.m" }, spec: { service: { namespace: "kube-system", name: "metrics-server" } } }, want: ["apiservice:v1.m kube-system/metrics-server:"] },
    { name: "CRD conversion webhook", kind: "CustomResourceDefinition", obj: { metadata: { name: "a.b" }, spec: { conversion: { webhook: { clientConfig: { service: { namespace: "n", name: "conv" } } } } } }, want: ["crd:a.b n/conv:"] },
    { name: "Node", kind: "Node", obj: { metadata: { name: "w1" }, status: { addresses: [{ address: "10.0.0.1" }] } }, want: ["node:w1 10.0.0.1"] },
    { name: "cert-manager Certificate", kind: "Certificate", obj: { metadata: { name: "c", namespace: "n" }, spec: { secretName: "c-tls", issuerRef: { name: "ca", kind: "ClusterIssuer" } } }, want: ["certificate.cert-manager.io:n/c c-tls ClusterIssuer/ca"] },
  ];
  for (const row of factsRows) {
    it(`facts: ${row.name}`, () => {
      const facts = objectToItems(row.obj, spec(row.kind), ctx).filter((i): i is KubeObjectItem => !isScanIssue(i) && i.type === "kube-object");
      assert.deepEqual(
        facts.map((o) => ([o.ref, o.service ? `${o.service.namespace}/${o.service.name}:${o.service.port ?? ""}` : "", ...(o.addresses ?? []), o.secretName ?? "", o.issuerRef ?? ""].filter((x) => x !== "").join(" "))),
        row.want,
      );
    });
  }

  it("never throws and yields only items or issues for arbitrary objects of every kind", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.anything({ maxDepth: 4 }), (k, value) => {
        const items = objectToItems(value, k, ctx);
        for (const i of items) assert.ok(isScanIssue(i) || typeof i.ref === "string");
      }),
      { numRuns: 300 },
    );
  });

  it("random data values in a Secret become items or issues, never a throw", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 400 }))), (data) => {
        objectToItems({ metadata: { name: "x", namespace: "y" }, data }, spec("Secret"), ctx);
      }),
      { numRuns: 300 },
    );
  });

  it("readRef/parseReadRef round-trip for every kind and namespace", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.option(fc.stringMatching(/^[a-z0-9][-a-z0-9]{0,20}$/), { nil: undefined }), fc.constantFrom("list", "get", "watch"), (k, ns, verb) => {
        const parsed = parseReadRef(readRef(k, verb, k.namespaced ? ns : undefined));
        assert.deepEqual(parsed, { verb, group: k.group, resource: k.resource, ...(k.namespaced && ns !== undefined ? { namespace: ns } : {}) });
      }),
    );
    assert.equal(parseReadRef("secret:a/b#c"), undefined);
  });
});
