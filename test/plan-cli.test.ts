import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { demoPath } from "./support/fixtures.js";

const NOW = "2026-12-01T00:00:00Z";

/** Base64 lines of every private key in the demo dump and the cakeydata Secret value. */
function demoKeyNeedles(dir = demoPath()): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      out.push(...demoKeyNeedles(p));
      continue;
    }
    const text = readFileSync(p, "latin1");
    for (const block of text.matchAll(/-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/g)) {
      for (const line of block[2]!.split(/\r?\n/)) if (line.trim().length >= 40) out.push(line.trim());
    }
    for (const m of text.matchAll(/(?:cakeydata|cloudcorekeydata|tls\.key|client-key-data)"?\s*:\s*"?([A-Za-z0-9+/=]{60,})/g)) out.push(m[1]!.slice(0, 60));
  }
  return out;
}

describe("certdoctor plan", () => {
  it("prints the demo's plan as JSON with a rescan of the same inputs, and exits 0", async () => {
    const r = await runCli(["plan", "--path", demoPath(), "--now", NOW, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out) as { schemaVersion: number; plans: Array<{ distribution: string; steps: Array<{ id: string; commands: string[] }> }> };
    assert.equal(plan.schemaVersion, 1);
    assert.deepEqual(plan.plans.map((p) => p.distribution), ["kubeadm", "kubelet", "k3s", "kubeedge", "kubernetes"]);
    const verify = plan.plans[0]!.steps.at(-1)!;
    assert.deepEqual(verify.commands, [`certdoctor scan --path ${demoPath()} --now ${NOW}`]);
  });

  it("never prints key material", async () => {
    const needles = demoKeyNeedles();
    assert.ok(needles.length > 20, `${needles.length} needles`);
    for (const format of ["json", "markdown"]) {
      const r = await runCli(["plan", demoPath(), "--now", NOW, "--format", format]);
      for (const n of needles) assert.ok(!(r.out + r.err).includes(n), `key material in ${format} output`);
      assert.doesNotMatch(r.out, /PRIVATE KEY/);
    }
  });

  const usage = [
    { name: "nothing to scan", args: ["plan"] },
    { name: "unknown format", args: ["plan", demoPath(), "--format", "html"] },
  ];
  for (const u of usage) {
    it(`exit 2: ${u.name}`, async () => {
      const r = await runCli(u.args);
      assert.equal(r.code, 2);
      assert.match(r.err, /ERR_USAGE/);
    });
  }
});
