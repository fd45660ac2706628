import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../../errors.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { parseDocuments } from "./parse-documents.js";
import { readManifestObjects } from "./read-objects.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };

describe("parseDocuments", () => {
  it("refuses a billion-laughs alias bomb quickly", () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]`);
    lines.push("kind: List", "items: *a9");
    const start = process.hrtime.bigint();
    const { docs, issues } = parseDocuments(lines.join("\n"), "file:/bomb.yaml", ctx);
    const items = readManifestObjects(docs, { path: "/bomb.yaml" }, ctx);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 1000);
    assert.equal(items.length, 0);
    assert.ok(docs.length <= 1);
    assert.ok(issues.every((i) => i.code === ErrorCode.ERR_YAML_INVALID));
  });

  it("stops at more than MAX aliases", () => {
    const text = `a: &a x\nb: [${Array(1500).fill("*a").join(",")}]\n`;
    assert.deepEqual(parseDocuments(text, "file:/x.yaml", ctx).issues.map((i) => i.code), [ErrorCode.ERR_YAML_INVALID]);
  });

  it("bounds size and document count", () => {
    const small = { ...ctx, limits: { ...defaultLimits, maxManifestBytes: 10, maxManifestObjects: 2 } };
    assert.deepEqual(parseDocuments("kind: Secret\nmetadata: {}\n", "file:/x", small).issues.map((i) => i.code), [ErrorCode.ERR_FILE_TOO_LARGE]);
    const many = { ...ctx, limits: { ...defaultLimits, maxManifestObjects: 2 } };
    const res = parseDocuments("a: 1\n---\nb: 2\n---\nc: 3\n", "file:/x", many);
    assert.equal(res.docs.length, 2);
    assert.deepEqual(res.issues.map((i) => i.code), [ErrorCode.ERR_MANIFEST_INVALID]);
  });

  it("parses JSON and keeps YAML error messages free of document content", () => {
    assert.deepEqual(parseDocuments('{"kind":"List","items":[]}', "file:/x.json", ctx).docs, [{ kind: "List", items: [] }]);
    const { issues } = parseDocuments("kind: Secret\ndata: {password: c2VjcmV0, [oops\n", "file:/x", ctx);
    assert.equal(issues.length, 1);
    assert.ok(!issues[0]!.message.includes("c2VjcmV0"));
  });
});
