import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { rules } from "./index.js";

// Every rule has a pure table test beside it (facts in, findings out): a test file in this folder that
// imports the rule's module and neither the engine, a source nor the filesystem.
const HERE = dirname(fileURLToPath(import.meta.url));
const tests = readdirSync(HERE)
  .filter((f) => f.endsWith(".test.js") && f !== "index.test.js")
  .map((f) => ({ name: f, text: readFileSync(`${HERE}/${f}`, "utf8") }));
const IMPURE = /from "(?:node:fs|node:child_process|node:net|node:tls|\.\.\/engine\/[^"]*|\.\.\/sources\/[^"]*|\.\.\/agent\/[^"]*|[^"]*test\/support\/(?:scan|openssl|kube-scan|tls-servers|fixtures)\.js|[^"]*test\/kube-api\/[^"]*)"/;

describe("rule registry", () => {
  for (const rule of rules) {
    it(`${rule.id} has a pure table test`, () => {
      const beside = tests.filter((t) => t.text.includes(`from "./${rule.id}.js"`));
      assert.ok(beside.length > 0, `no src/rules/*.test.ts imports ./${rule.id}.js`);
      const pure = beside.filter((t) => !IMPURE.test(t.text));
      assert.ok(pure.length > 0, `${beside.map((t) => t.name).join(", ")} read files, scan or start servers: end-to-end stories belong in test/rules/`);
    });
  }
  it("ids are unique kebab-case", () => {
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const r of rules) assert.match(r.id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
});
