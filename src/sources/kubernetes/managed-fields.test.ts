import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refMetaOf } from "./managed-fields.js";

const entry = (manager: string, time: string | undefined, fieldsV1: Record<string, unknown>) => ({ manager, operation: "Update", ...(time ? { time } : {}), fieldsType: "FieldsV1", fieldsV1 });

describe("refMetaOf", () => {
  for (const row of [
    {
      name: "a Secret key goes to the newest entry owning data.KEY, not the newest entry",
      obj: { kind: "Secret", metadata: { resourceVersion: "7", managedFields: [entry("helm", "2026-01-01T00:00:00Z", { "f:data": { "f:ca.crt": {} } }), entry("kubectl-label", "2026-03-01T00:00:00Z", { "f:metadata": { "f:labels": {} } })] } },
      ref: "secret:ns/s#ca.crt",
      want: { resourceVersion: "7", actor: { manager: "helm", operation: "Update", time: "2026-01-01T00:00:00Z" } },
    },
    {
      name: "a block of a bundle value is owned as its key",
      obj: { kind: "ConfigMap", metadata: { managedFields: [entry("a", "2026-01-01T00:00:00Z", { "f:data": { "f:ca.crt": {} } }), entry("b", "2026-02-01T00:00:00Z", { "f:data": { "f:ca.crt": {} } })] } },
      ref: "configmap:ns/c#ca.crt/1",
      want: { actor: { manager: "b", operation: "Update", time: "2026-02-01T00:00:00Z" } },
    },
    {
      name: "stringData counts as writing the key",
      obj: { kind: "Secret", metadata: { managedFields: [entry("kubectl-create", undefined, { "f:stringData": { "f:tls.crt": {} } })] } },
      ref: "secret:ns/s#tls.crt",
      want: { actor: { manager: "kubectl-create", operation: "Update" } },
    },
    {
      name: "no entry owns the key: no actor",
      obj: { kind: "Secret", metadata: { resourceVersion: "9", managedFields: [entry("x", "2026-01-01T00:00:00Z", { "f:data": { "f:other": {} } })] } },
      ref: "secret:ns/s#ca.crt",
      want: { resourceVersion: "9" },
    },
    {
      name: "another kind: the newest entry",
      obj: { kind: "ValidatingWebhookConfiguration", metadata: { managedFields: [entry("old", "2026-01-01T00:00:00Z", {}), entry("cert-manager-cainjector", "2026-05-01T00:00:00Z", {})] } },
      ref: "webhook:w#webhooks/0/clientConfig/caBundle",
      want: { actor: { manager: "cert-manager-cainjector", operation: "Update", time: "2026-05-01T00:00:00Z" } },
    },
    { name: "garbage managedFields: nothing, no throw", obj: { kind: "Secret", metadata: { managedFields: [null, 3, { manager: 5 }, "x"] } }, ref: "secret:ns/s#k", want: {} },
  ]) {
    it(row.name, () => {
      assert.deepEqual(refMetaOf(row.obj, [row.ref]).get(row.ref), row.want);
    });
  }
});
