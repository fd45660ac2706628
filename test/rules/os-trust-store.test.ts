import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { scan } from "../../src/engine/scan.js";
import { parseCertificate } from "../../src/pki/x509.js";
import { scanPem } from "../../src/pki/pem.js";
import { fixturePath } from "../support/fixtures.js";

// cert-expired and cert-expiring treat a root that lives only in an OS trust store as info.
const rootPem = readFileSync(fixturePath("chain-ok", "root-ca.crt"), "latin1");
const rootNotAfter = parseCertificate(scanPem(rootPem, 1 << 20).blocks[0]!.der).record.notAfter;
const dir = mkdtempSync(join(tmpdir(), "certdoctor-trust-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function place(...rel: string[][]): string {
  const root = mkdtempSync(join(dir, "case-"));
  for (const parts of rel) {
    mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
    copyFileSync(fixturePath("chain-ok", "root-ca.crt"), join(root, ...parts));
  }
  return root;
}

describe("roots in OS trust stores", () => {
  const rows = [
    { name: "only in node1/etc/ssl/certs: info", where: [["node1", "etc", "ssl", "certs", "Fixture_Root.pem"]], want: "info" },
    { name: "only in /etc/pki/ca-trust: info", where: [["etc", "pki", "ca-trust", "source", "anchors", "root.pem"]], want: "info" },
    { name: "a cluster CA file: critical", where: [["node1", "etc", "kubernetes", "pki", "ca.crt"]], want: "critical" },
    { name: "in the trust store and used as a cluster CA: critical", where: [["node1", "etc", "ssl", "certs", "root.pem"], ["node1", "etc", "kubernetes", "pki", "ca.crt"]], want: "critical" },
  ];
  for (const row of rows) {
    it(`expired — ${row.name}`, async () => {
      const result = await scan({ paths: [place(...row.where)], now: new Date(rootNotAfter + 86_400_000), warnDays: 30, critDays: 7, workers: 0 });
      assert.deepEqual(result.findings.filter((f) => f.rule === "cert-expired").map((f) => f.severity), [row.want]);
    });
    it(`expiring in 3 days — ${row.name}`, async () => {
      const result = await scan({ paths: [place(...row.where)], now: new Date(rootNotAfter - 3 * 86_400_000), warnDays: 30, critDays: 7, workers: 0 });
      assert.deepEqual(result.findings.filter((f) => f.rule === "cert-expiring").map((f) => f.severity), [row.want]);
    });
  }
});
