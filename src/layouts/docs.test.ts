import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { layoutEntries } from "./catalog.js";
import { trustRequirements } from "./trust-requirements.js";

// Compiled to dist/src/layouts/, so the repo root is three levels up.
const DOC = fileURLToPath(new URL("../../../docs/layouts.md", import.meta.url));

describe("docs/layouts.md", () => {
  const doc = readFileSync(DOC, "utf8");

  it("lists every fixed role of the catalog", () => {
    for (const entry of layoutEntries) {
      if (entry.role.includes("{1}")) continue;
      assert.ok(doc.includes("`" + entry.role + "`") || entry.distribution === "rke2", `role ${entry.role} missing from docs`);
    }
  });

  it("lists every trust requirement id of kubeadm, KubeEdge, K3s, Talos and kops", () => {
    for (const req of trustRequirements) {
      if (req.id.startsWith("rke2-")) continue;
      assert.ok(doc.includes("`" + req.id + "`"), `requirement ${req.id} missing from docs`);
    }
  });
});
