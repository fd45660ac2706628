import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ErrorCode } from "../src/errors.js";
import { renderRulesMarkdown } from "../src/rules/docs.js";
import { rules } from "../src/rules/index.js";
import { findRepoRoot } from "./support/fixtures.js";

const root = findRepoRoot();

describe("rules registry", () => {
  it("rule ids are unique kebab-case", () => {
    const ids = rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  // That every rule has a pure table test beside it is checked by src/rules/index.test.ts.

  it("every rule explains why and how to fix", () => {
    for (const r of rules) {
      assert.ok(r.title.length > 0, r.id);
      assert.match(r.explain, /\*\*Fix:\*\*/, `${r.id} explain has no **Fix:** section`);
    }
  });

  it("docs/rules.md is generated from the registry (run npm run docs)", () => {
    assert.equal(readFileSync(join(root, "docs", "rules.md"), "utf8"), renderRulesMarkdown());
  });
});

describe("error codes", () => {
  it("docs/errors.md lists exactly the codes in src/errors.ts", () => {
    const doc = readFileSync(join(root, "docs", "errors.md"), "utf8");
    const documented = new Set([...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    assert.deepEqual([...documented].sort(), Object.values(ErrorCode).sort());
  });
});
