import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fixturePath } from "./support/fixtures.js";
import { runCli } from "./support/cli.js";

// Private keys and Secret payloads never leave the process: not in JSON, not in the table, not in errors.
const NOW = "2026-06-01T00:00:00Z";
const tmp = mkdtempSync(join(tmpdir(), "certdoctor-secrets-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every base64 line of every PRIVATE KEY block in the fixtures, and every long base64 value of a *key* field in manifests. */
function secretNeedles(): string[] {
  const needles = new Set<string>();
  for (const file of filesUnder(fixturePath())) {
    const text = readFileSync(file, "latin1");
    for (const block of text.matchAll(/-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/g)) {
      for (const line of block[2]!.split(/\r?\n/)) if (line.trim().length >= 40) needles.add(line.trim());
    }
    for (const m of text.matchAll(/"?(?:tls\.key|cakeydata|client-key-data)"?\s*:\s*"?([A-Za-z0-9+/=]{60,})/g)) needles.add(m[1]!.slice(0, 60));
  }
  return [...needles];
}

async function run(args: string[]): Promise<string> {
  const r = await runCli(args);
  return r.out + r.err;
}

describe("secrets stay secret", () => {
  const needles = secretNeedles();
  it("the fixtures do hold key material to look for", () => assert.ok(needles.length > 50, `${needles.length} needles`));

  const scans = [
    { name: "keys, pairs and kubeconfigs (json)", args: ["scan", fixturePath("keys"), fixturePath("key-mismatch"), fixturePath("kubeconfigs"), "--format", "json"] },
    { name: "manifests with tls.key (json)", args: ["scan", fixturePath("manifests"), "--format", "json"] },
    { name: "PKCS#12 with its password (table)", args: ["scan", fixturePath("pkcs12"), "--pkcs12-password-file", fixturePath("pkcs12", "password.txt"), "--format", "table"] },
    { name: "everything (table)", args: ["scan", fixturePath(), "--format", "table"] },
  ];
  for (const s of scans) {
    it(s.name, async () => {
      const out = await run([...s.args, "--now", NOW, "--fail-on", "never"]);
      assert.ok(out.length > 100, out);
      for (const needle of needles) assert.ok(!out.includes(needle), `output contains key material: ${needle.slice(0, 12)}…`);
      assert.doesNotMatch(out, /PRIVATE KEY-----/);
    });
  }

  it("a damaged key is reported without its bytes", async () => {
    const key = readFileSync(fixturePath("keys", "rsa-pkcs8.key"), "latin1").split("\n");
    // Truncated: the DER inside is cut short.
    writeFileSync(join(tmp, "damaged.key"), [...key.slice(0, 12), ...key.slice(-2)].join("\n"));
    const out = await run(["scan", join(tmp, "damaged.key"), "--format", "json", "--now", NOW, "--fail-on", "never", "--allow-empty"]);
    const report = JSON.parse(out) as { findings: Array<{ rule: string; detail: string }> };
    assert.ok(report.findings.some((f) => f.rule === "parse-error"), out);
    for (const line of key) if (line.length >= 40) assert.ok(!out.includes(line), "damaged key bytes leaked");
  });
});
