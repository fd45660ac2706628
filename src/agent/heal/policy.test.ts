import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { load } from "js-yaml";
import { CertdoctorError } from "../../errors.js";
import { isQuietTime, parseHealPolicy, readHealPolicy } from "./policy.js";

const PIN = "ab".repeat(32);

describe("heal policy", () => {
  it("a repair is on only when named; defaults fill the limits", () => {
    const p = parseHealPolicy(load("repairs:\n  kubelet-client-symlink:\n"));
    assert.deepEqual(Object.keys(p.repairs), ["kubelet-client-symlink"]);
    assert.equal(p.limits.maxActionsPerDay, 3);
    assert.equal(p.limits.quietHours, undefined);
    const off = parseHealPolicy(load("repairs:\n  kubelet-client-symlink: true\n  kubelet-selfsigned-expired: false\n"));
    assert.deepEqual(Object.keys(off.repairs), ["kubelet-client-symlink"]);
  });

  it("kubeedge-ca-resync: CloudCore's ports and CA URL default as keadm sets them; pins are normalised", () => {
    const p = parseHealPolicy(load(`repairs:\n  kubeedge-ca-resync:\n    cloudcore: 10.0.0.5\n    pinnedSha256: "${PIN.toUpperCase().match(/../g)!.join(":")}"\n`));
    const k = p.repairs["kubeedge-ca-resync"]!;
    assert.equal(k.servingPort, 10000);
    assert.equal(k.caUrl.href, "https://10.0.0.5:10002/ca.crt");
    assert.deepEqual(k.pinnedSha256, [PIN]);
    assert.equal(k.timeoutMs, 10_000);
  });

  const invalid = [
    { name: "an unknown top-level key", yaml: "repairs: {kubelet-client-symlink: {}}\nlimit: {}", key: "limit" },
    { name: "an unknown repair", yaml: "repairs: {kubelet-client-sym: {}}", key: "repairs.kubelet-client-sym" },
    { name: "no repair named", yaml: "repairs: {}", key: "repairs" },
    { name: "an option on a repair that has none", yaml: "repairs: {kubelet-client-symlink: {force: true}}", key: "repairs.kubelet-client-symlink.force" },
    { name: "a negative daily limit", yaml: "repairs: {kubelet-client-symlink: {}}\nlimits: {maxActionsPerDay: -1}", key: "limits.maxActionsPerDay" },
    { name: "quiet hours that are not a range", yaml: "repairs: {kubelet-client-symlink: {}}\nlimits: {quietHours: '22:00'}", key: "limits.quietHours" },
    { name: "quiet hours at 25:00", yaml: "repairs: {kubelet-client-symlink: {}}\nlimits: {quietHours: '25:00-06:00'}", key: "limits.quietHours" },
    { name: "resync without a pin", yaml: "repairs: {kubeedge-ca-resync: {cloudcore: cc.example}}", key: "repairs.kubeedge-ca-resync.pinnedSha256" },
    { name: "resync with a short pin", yaml: "repairs: {kubeedge-ca-resync: {cloudcore: cc.example, pinnedSha256: [abcd]}}", key: "repairs.kubeedge-ca-resync.pinnedSha256[0]" },
    { name: "resync without CloudCore", yaml: `repairs: {kubeedge-ca-resync: {pinnedSha256: [${PIN}]}}`, key: "repairs.kubeedge-ca-resync.cloudcore" },
    { name: "resync with a URL as CloudCore", yaml: `repairs: {kubeedge-ca-resync: {cloudcore: "https://cc:10000", pinnedSha256: [${PIN}]}}`, key: "repairs.kubeedge-ca-resync.cloudcore" },
    { name: "resync with a plain-http CA URL", yaml: `repairs: {kubeedge-ca-resync: {cloudcore: cc, caUrl: "http://cc:10002/ca.crt", pinnedSha256: [${PIN}]}}`, key: "repairs.kubeedge-ca-resync.caUrl" },
    { name: "resync with an hour-long timeout", yaml: `repairs: {kubeedge-ca-resync: {cloudcore: cc, timeout: 1h, pinnedSha256: [${PIN}]}}`, key: "repairs.kubeedge-ca-resync.timeout" },
  ];
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-heal-policy-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const row of invalid) {
    it(`refuses ${row.name}, naming ${row.key} in one line`, () => {
      const file = join(dir, "p.yaml");
      writeFileSync(file, row.yaml);
      assert.throws(
        () => readHealPolicy(file),
        (err: unknown) => err instanceof CertdoctorError && err.code === "ERR_CONFIG_INVALID" && err.message.startsWith(`--heal ${file}: ${row.key}: `) && !err.message.includes("\n"),
      );
    });
  }

  it("refuses a file that is not YAML, is missing, or is not a regular file", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "repairs: [unclosed");
    for (const path of [bad, join(dir, "missing.yaml"), dir]) {
      assert.throws(() => readHealPolicy(path), (err: unknown) => err instanceof CertdoctorError && err.code === "ERR_CONFIG_INVALID");
    }
  });

  it("quiet hours wrap midnight, UTC, end exclusive", () => {
    const p = parseHealPolicy(load("repairs: {kubelet-client-symlink: {}}\nlimits: {quietHours: '22:00-06:00'}"));
    const at = (t: string) => isQuietTime(p, new Date(`2026-12-01T${t}:00Z`));
    assert.deepEqual(["21:59", "22:00", "03:00", "05:59", "06:00", "12:00"].map(at), [false, true, true, true, false, false]);
    const day = parseHealPolicy(load("repairs: {kubelet-client-symlink: {}}\nlimits: {quietHours: '09:00-17:30'}"));
    assert.deepEqual(["08:59", "09:00", "17:29", "17:30"].map((t) => isQuietTime(day, new Date(`2026-12-01T${t}:00Z`))), [false, true, true, false]);
  });
});

describe("heal policy: any document", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-heal-policy-fc-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = fc.constantFrom("repairs", "limits", "kubelet-client-symlink", "kubelet-selfsigned-expired", "kubeedge-ca-resync", "cloudcore", "servingPort", "caUrl", "pinnedSha256", "timeout", "maxCaBytes", "maxActionsPerDay", "quietHours", "x");
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -5, max: 70000 }),
      fc.constantFrom("10s", "22:00-06:00", "127.0.0.1", "https://cc:10002/ca.crt", PIN, "", "25:99-1"),
      fc.string(),
      fc.array(tie("v"), { maxLength: 3 }),
      fc.dictionary(key, tie("v"), { maxKeys: 4 }),
    ),
  })).v;

  it("is a policy or one ERR_CONFIG_INVALID line naming a key, never another error", () => {
    fc.assert(
      fc.property(value, (doc) => {
        const file = join(dir, "p.json");
        writeFileSync(file, JSON.stringify(doc) ?? "null");
        try {
          const p = readHealPolicy(file);
          assert.ok(Object.keys(p.repairs).length > 0);
          assert.ok(Number.isSafeInteger(p.limits.maxActionsPerDay));
        } catch (err) {
          assert.ok(err instanceof CertdoctorError, String(err));
          assert.equal(err.code, "ERR_CONFIG_INVALID");
          assert.ok(!err.message.includes("\n"), err.message);
          assert.match(err.message, /^--heal \S+: \S+: /);
        }
      }),
      { numRuns: 400 },
    );
  });
});
