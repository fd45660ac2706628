import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import jsyaml from "js-yaml";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { parseDocuments } from "./parse-documents.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };
const longB64 = (n: number, seed: string) => Buffer.from(seed.repeat(Math.ceil(n / seed.length)).slice(0, n)).toString("base64");

describe("parseDocuments", () => {
  it("reads long base64 Secret values exactly as js-yaml does", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web", namespace: "apps" },
      type: "kubernetes.io/tls",
      data: { "tls.crt": longB64(1500, "cert"), "tls.key": longB64(900, "key"), "ca.crt": longB64(300, "ca") },
    };
    const text = jsyaml.dump(secret, { lineWidth: -1 });
    assert.deepEqual(parseDocuments(text, "file:/x", ctx).docs, [secret]);
  });

  it("keeps a block scalar that contains a lookalike `key: base64` line unchanged", () => {
    const value = `first line\nkey: ${"QUJD".repeat(80)}\nlast line\n`;
    const doc = { kind: "ConfigMap", data: { "notes.txt": value } };
    const text = jsyaml.dump(doc, { lineWidth: -1 });
    assert.match(text, /\|/);
    assert.deepEqual(parseDocuments(text, "file:/x", ctx).docs, [doc]);
  });

  it("agrees with js-yaml on any document js-yaml can dump", () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.uint8Array({ minLength: 150, maxLength: 400 }).map((b) => Buffer.from(b).toString("base64")));
    const doc = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), fc.oneof(scalar, fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), scalar), fc.array(scalar, { maxLength: 3 })), { minKeys: 1 });
    fc.assert(
      fc.property(doc, (d) => {
        const text = jsyaml.dump(d, { lineWidth: -1 });
        assert.deepEqual(parseDocuments(text, "file:/x", ctx).docs, [jsyaml.load(text, { json: true })]);
      }),
      { numRuns: 500 },
    );
  });

  const b64 = "QUJD".repeat(70);
  const rows = [
    { name: "a 250-digit number stays a number", text: `k: ${"7".repeat(250)}\n` },
    { name: "hex-looking long value", text: `k: 0x${"ab".repeat(120)}\n` },
    { name: "trailing comment", text: `k: ${b64} # note\n` },
    { name: "multi-line plain scalar", text: `k: ${b64}\n  ${b64}\n` },
    { name: "colon inside the value", text: `k: ${b64}:${b64}\n` },
    { name: "double-quoted value", text: `k: "${b64}"\n` },
    { name: "literal block", text: `k: |\n  ${b64}\n  x: ${b64}\n` },
    { name: "list item", text: `k:\n  - ${b64}\n` },
    { name: "flow mapping on one line", text: `{k: ${b64}}\n` },
    { name: "anchor and alias", text: `a: &x ${b64}\nb: *x\n` },
    { name: "tab before the value", text: `k:\t${b64}\n` },
  ];
  for (const row of rows) {
    it(`same as js-yaml: ${row.name}`, () => {
      assert.deepEqual(parseDocuments(row.text, "file:/x", ctx).docs, [jsyaml.load(row.text, { json: true })]);
    });
  }

  it("leaves text that already contains the token pattern alone", () => {
    const text = `a: __certdoctor_b64_0__\nb: ${"QUJD".repeat(80)}\n`;
    assert.deepEqual(parseDocuments(text, "file:/x", ctx).docs, [{ a: "__certdoctor_b64_0__", b: "QUJD".repeat(80) }]);
  });
});
