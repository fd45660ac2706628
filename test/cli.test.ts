import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { JsonReport } from "../src/output/json.js";
import { fixturePath } from "./support/fixtures.js";
import { runCli } from "./support/cli.js";

const NOW = "2026-06-01T00:00:00Z";

const run = (args: string[], tty = false) => runCli(args, { tty });

const tmp = mkdtempSync(join(tmpdir(), "certdoctor-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("certdoctor scan exit codes", () => {
  const rows = [
    { name: "healthy chain: 0", args: ["scan", fixturePath("chain-ok"), "--now", NOW], code: 0 },
    { name: "expired leaf: 1 (critical at default --fail-on critical)", args: ["scan", "--path", fixturePath("expired"), "--now", NOW], code: 1 },
    { name: "expired leaf with --fail-on never: 0", args: ["scan", fixturePath("expired"), "--now", NOW, "--fail-on", "never"], code: 0 },
    { name: "warning only, --fail-on critical: 0", args: ["scan", fixturePath("expiring-warning"), "--now", NOW], code: 0 },
    { name: "warning only, --fail-on warning: 1", args: ["scan", fixturePath("expiring-warning"), "--now", NOW, "--fail-on", "warning"], code: 1 },
    { name: "missing path: 2", args: ["scan", "--path", join(tmp, "does-not-exist")], code: 2 },
    { name: "no path at all: 2", args: ["scan"], code: 2 },
    { name: "bad --now: 2", args: ["scan", fixturePath("chain-ok"), "--now", "yesterday"], code: 2 },
    { name: "bad --fail-on: 2", args: ["scan", fixturePath("chain-ok"), "--fail-on", "sometimes"], code: 2 },
    { name: "unknown flag: 2", args: ["scan", fixturePath("chain-ok"), "--frobnicate"], code: 2 },
    { name: "missing password file: 2", args: ["scan", fixturePath("chain-ok"), "--pkcs12-password-file", join(tmp, "nope")], code: 2 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const r = await run(row.args);
      assert.equal(r.code, row.code, r.err);
      if (row.code === 2) {
        assert.ok(r.err.trim().length > 0, "a usage error explains itself on stderr");
        assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
      }
    });
  }
});

describe("certdoctor scan --format json", () => {
  it("follows schemaVersion 1", async () => {
    const r = await run(["scan", fixturePath("chain-ok"), fixturePath("expired"), "--now", NOW, "--format", "json", "--fail-on", "never"]);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.out) as JsonReport;
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.evaluatedAt, "2026-06-01T00:00:00.000Z");
    assert.equal(report.summary.certificates, report.certificates.length);
    assert.equal(report.summary.critical, report.findings.filter((f) => f.severity === "critical").length);
    for (const c of report.certificates) {
      assert.match(c.fingerprint, /^[0-9a-f]{64}$/);
      assert.ok(!Number.isNaN(Date.parse(c.notBefore)) && !Number.isNaN(Date.parse(c.notAfter)));
      assert.ok(c.locations.length > 0 && c.locations.every((l) => l.startsWith("file:")));
      for (const key of ["subject", "issuer", "serialNumber", "isCA", "dnsNames", "ipAddresses", "keyType", "keySize", "signatureAlgorithm", "subjectKeyId", "authorityKeyId", "role"]) {
        assert.ok(key in c, `certificate lacks ${key}`);
      }
    }
    const expired = report.findings.find((f) => f.rule === "cert-expired");
    assert.ok(expired);
    for (const key of ["rule", "severity", "title", "detail", "remediation", "certificates", "locations"]) assert.ok(key in expired, key);
    assert.ok(expired.certificates.every((fp) => report.certificates.some((c) => c.fingerprint === fp)));
  });

  it("--output writes the report to a file and nothing to stdout", async () => {
    const file = join(tmp, "report.json");
    const r = await run(["scan", fixturePath("chain-ok"), "--now", NOW, "--format", "json", "--output", file]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "");
    assert.equal((JSON.parse(readFileSync(file, "utf8")) as JsonReport).schemaVersion, 1);
  });

  it("defaults to json when stdout is not a terminal, table when it is", async () => {
    const piped = await run(["scan", fixturePath("chain-ok"), "--now", NOW]);
    assert.doesNotThrow(() => JSON.parse(piped.out));
    const terminal = await run(["scan", fixturePath("chain-ok"), "--now", NOW], true);
    assert.match(terminal.out, /^certdoctor: scanned .*\n\d+ certificates, \d+ keys: \d+ critical/);
  });
});

describe("certdoctor scan --format table", () => {
  it("groups by severity and stays within 80 columns except for unbreakable refs", async () => {
    const r = await run(["scan", fixturePath("expired"), fixturePath("expiring-warning"), fixturePath("rsa-1024"), "--now", NOW, "--format", "table"]);
    assert.equal(r.code, 1);
    const critical = r.out.indexOf("CRITICAL (");
    const warning = r.out.indexOf("WARNING (");
    assert.ok(critical > 0 && warning > critical, r.out);
    for (const line of r.out.split("\n")) {
      if (line.length <= 80) continue;
      assert.ok(/\S{30,}/.test(line) || line.startsWith("certdoctor: scanned"), `line over 80 columns: ${line}`);
    }
    assert.match(r.out, /cert-expired/);
    assert.match(r.out, /fix: /);
  });
});

describe("certdoctor rules / explain", () => {
  it("lists rules", async () => {
    const r = await run(["rules"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^ca-divergence\s+critical/m);
  });
  it("explains a rule", async () => {
    const r = await run(["explain", "kubelet-rotation-blocked"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /symlink/);
  });
  it("explain wraps to the terminal's width; --markdown prints the source", async () => {
    const narrow = await runCli(["explain", "ca-divergence"], { columns: 60 });
    assert.ok(narrow.out.split("\n").every((l) => l.length <= 60), narrow.out);
    assert.doesNotMatch(narrow.out, /\*\*Fix:\*\*/);
    const source = await runCli(["explain", "ca-divergence", "--markdown"]);
    assert.match(source.out, /\*\*Fix:\*\*/);
  });
  it("an unknown rule is a usage error", async () => {
    assert.equal((await run(["explain", "no-such-rule"])).code, 2);
  });
  it("--help exits 0", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /scan/);
  });
});
