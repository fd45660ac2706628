import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import jsyaml from "js-yaml";
import { ErrorCode } from "../../errors.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { billionLaughs, longScalarFanOut, webhookFanOut } from "../../../test/support/hostile-yaml.js";
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

describe("parseDocuments: alias expansion is bounded by what it expands to", () => {
  const cert = longB64(1200, "certificate-bytes");
  const timed = (text: string) => {
    const started = performance.now();
    const result = parseDocuments(text, "file:/x", ctx);
    return { ...result, ms: performance.now() - started };
  };
  const good = "kind: Secret\nmetadata: {name: good}\ndata: {tls.crt: QUJD}\n";
  const rows = [
    { name: "billion laughs (9 levels of 9)", text: billionLaughs(9, 9) },
    { name: "a long base64 scalar fanned out 10^6 times", text: longScalarFanOut(cert, 6, 10) },
    { name: "List.items → webhook caBundle fan-out (50^3 caBundles)", text: webhookFanOut(cert, 50) },
    { name: "an alias cycle", text: "kind: List\nitems: &i [{kind: List, items: *i}]\n" },
  ];
  for (const row of rows) {
    it(`${row.name}: one ERR_YAML_LIMIT for that document, the good documents beside it kept, in well under a second`, () => {
      assert.ok(row.text.length < 4096, `a small document (${row.text.length} bytes)`);
      const r = timed(`${good}---\n${row.text}---\n${good}`);
      assert.deepEqual(r.issues.map((i) => [i.code, i.ref, i.material]), [[ErrorCode.ERR_YAML_LIMIT, "file:/x#doc/1", true]]);
      assert.deepEqual(r.docs, [jsyaml.load(good), jsyaml.load(good)]);
      assert.ok(r.ms < 500, `${r.ms} ms`);
    });
  }

  it("reads documents that use aliases modestly exactly as js-yaml does", () => {
    const text = `defaults: &d {namespace: apps, labels: {team: web}}\na: *d\nb: *d\nlist: &l [${cert}, x]\nc: [*l, *l]\n`;
    assert.deepEqual(parseDocuments(text, "file:/x", ctx), { docs: [jsyaml.load(text, { json: true })], issues: [] });
  });

  it("charges the alias allowance per file: documents within it are read until it runs out", () => {
    const doc = billionLaughs(3, 10); // 1 + 1 + 11 + 111 + 1111 nodes expanded
    const limits = { ...defaultLimits, maxAliasExpansionNodes: 2 * (1235 - doc.length) + 10 };
    const r = parseDocuments([doc, doc, doc, doc].join("---\n"), "file:/x", { ...ctx, limits });
    assert.equal(r.docs.length, 2);
    assert.deepEqual(r.issues.map((i) => [i.code, i.ref]), [[ErrorCode.ERR_YAML_LIMIT, "file:/x#doc/2"], [ErrorCode.ERR_YAML_LIMIT, "file:/x#doc/3"]]);
  });

  it("JSON nested 100,000 deep is refused, not a stack overflow in a later walk", () => {
    const r = parseDocuments(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, "file:/x.json", ctx);
    assert.deepEqual(r.issues.map((i) => i.code), [ErrorCode.ERR_YAML_LIMIT]);
    assert.deepEqual(r.docs, []);
  });

  it("any generated document with shared parts either parses exactly as js-yaml does or is refused with ERR_YAML_LIMIT, quickly (property)", () => {
    const limits = { ...defaultLimits, maxAliasExpansionNodes: 2000, maxAliasExpansionBytes: 20_000 };
    const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(cert));
    const shared = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie("node"), { maxKeys: 4 })),
    })).node;
    // js-yaml writes a shared object once with an anchor and aliases after: repeat parts to share them
    const doc = fc.tuple(shared, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 })).map(([part, width, levels]) => {
      let node: unknown = part;
      for (let i = 0; i < levels; i++) node = Array.from({ length: width }, () => node);
      return { root: node };
    });
    fc.assert(
      fc.property(doc, (d) => {
        const text = jsyaml.dump(d, { lineWidth: -1 });
        const started = performance.now();
        const r = parseDocuments(text, "file:/x", { ...ctx, limits });
        assert.ok(performance.now() - started < 250);
        if (r.issues.length === 0) assert.deepEqual(r.docs, [jsyaml.load(text, { json: true })]);
        else assert.deepEqual([r.docs, r.issues.map((i) => i.code)], [[], [ErrorCode.ERR_YAML_LIMIT]]);
      }),
      { numRuns: 300 },
    );
  });
});
