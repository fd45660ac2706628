import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rules } from "../rules/index.js";
import { renderMarkdownForTerminal } from "./terminal-markdown.js";

describe("explain for the terminal", () => {
  it("re-wraps paragraphs to the width and strips bold markers without colour", () => {
    const text = renderMarkdownForTerminal("One two three four five six seven eight nine ten.\nEleven twelve.\n\n**Fix:** do it.", 20, false);
    assert.equal(text, "One two three four\nfive six seven eight\nnine ten. Eleven\ntwelve.\n\nFix: do it.\n");
  });

  it("list items get a hanging indent; an indented line continues the item, one at the margin starts a paragraph", () => {
    const text = renderMarkdownForTerminal("Intro:\n- first item that wraps around\n  still the first\n- second\nAfter the list.", 24, false);
    assert.equal(text, "Intro:\n- first item that wraps\n  around still the first\n- second\nAfter the list.\n");
  });

  it("keeps fenced code as it is, indented, however long", () => {
    const code = "kubectl -n kubeedge get secret casecret -o jsonpath='{.data.cadata}' | base64 -d > rootCA.crt";
    const text = renderMarkdownForTerminal(`Run:\n\n\`\`\`sh\n${code}\n\`\`\`\n\nThen restart.`, 40, false);
    assert.equal(text, `Run:\n\n    ${code}\n\nThen restart.\n`);
  });

  it("bold is bold on a colour terminal, and escape codes do not count towards the width", () => {
    const text = renderMarkdownForTerminal("**Fix:** aaaa bbbb", 14, true);
    assert.equal(text, "\x1b[1mFix:\x1b[0m aaaa bbbb\n");
  });

  it("links show their address; headings stand out", () => {
    assert.equal(renderMarkdownForTerminal("## Why\nsee [docs](https://example.test/x)", 80, false), "WHY\nsee docs (https://example.test/x)\n");
  });

  it("every rule's explanation fits 80 columns except for single words too long to break", () => {
    for (const rule of rules) {
      for (const line of renderMarkdownForTerminal(rule.explain, 80, false).split("\n")) {
        if (line.length > 80) assert.ok(!line.trim().includes(" ") || line.startsWith("    "), `${rule.id}: ${line}`);
      }
    }
  });
});
