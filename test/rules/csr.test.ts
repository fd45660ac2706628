import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

// csr-pending, csr-denied and csr-failed share their fixtures: one CSR list in YAML and the same in JSON.
for (const format of ["yaml", "json"]) {
  describe(`CertificateSigningRequest rules (${format} manifests)`, () => {
    const scanCsrs = (now?: Date) =>
      scanFixtures([["manifests", format, `csrs.${format}`]], now ? { now } : {});

    const pending = (found: Array<{ severity: string; locations: string[] }>) =>
      found.map((f) => `${f.locations[0]}:${f.severity}`).sort();

    it("csr-pending: kubelet-serving CSR pending 2 h is critical; a 3-minute-old one is not reported yet", async () => {
      const found = findingsOf(await scanCsrs(), "csr-pending");
      // csr-garbage (unreadable request, pending 1 h) is still a pending CSR.
      assert.deepEqual(pending(found), ["csr:csr-garbage:warning", "csr:csr-serving-pending:critical"]);
      assert.match(found.find((f) => f.severity === "critical")!.detail, /nobody approves/);
    });

    it("csr-pending: 20 minutes later the client CSR is reported too, as a warning", async () => {
      const found = findingsOf(await scanCsrs(new Date("2026-06-01T00:20:00Z")), "csr-pending");
      assert.deepEqual(pending(found), ["csr:csr-client-recent:warning", "csr:csr-garbage:warning", "csr:csr-serving-pending:critical"]);
    });

    it("csr-denied: the Denied CSR", async () => {
      assert.equal(findingsOf(await scanCsrs(), "csr-denied").length, 1);
    });

    it("csr-failed: the Failed CSR", async () => {
      assert.equal(findingsOf(await scanCsrs(), "csr-failed").length, 1);
    });

    it("approved and issued CSRs are silent; the garbage request is a parse-error", async () => {
      const result = await scanCsrs();
      const csrRefs = result.findings.filter((f) => f.rule.startsWith("csr-")).flatMap((f) => f.locations);
      assert.ok(!csrRefs.includes("csr:csr-approved"));
      assert.ok(findingsOf(result, "parse-error").some((f) => f.locations.some((l) => l.startsWith("csr:"))));
    });
  });
}
