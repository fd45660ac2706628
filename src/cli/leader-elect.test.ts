import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../../test/support/cli.js";
import { leaderElectSettings } from "./leader-elect.js";

const BASE = { leaderElect: true, leaderElectNamespace: "certdoctor", leaderElectName: "certdoctor-approver" };

describe("leader-election flags", () => {
  it("without --leader-elect there are no settings; with it, client-go's timings unless given", () => {
    assert.equal(leaderElectSettings({ ...BASE, leaderElect: false }), undefined);
    const s = leaderElectSettings(BASE)!;
    assert.deepEqual([s.namespace, s.name, s.leaseDurationMs, s.renewDeadlineMs, s.retryPeriodMs], ["certdoctor", "certdoctor-approver", 15_000, 10_000, 2_000]);
    const t = leaderElectSettings({ ...BASE, leaderElectLeaseDuration: "3s", leaderElectRenewDeadline: "2s", leaderElectRetryPeriod: "200ms" })!;
    assert.deepEqual([t.leaseDurationMs, t.renewDeadlineMs, t.retryPeriodMs], [3_000, 2_000, 200]);
  });

  it("identities differ per process start (two replicas on one host never share one)", () => {
    assert.notEqual(leaderElectSettings(BASE)!.identity, leaderElectSettings(BASE)!.identity);
  });

  for (const [name, flags, want] of [
    ["retry not shorter than renew", { leaderElectRenewDeadline: "2s", leaderElectRetryPeriod: "2s" }, /retry-period < .*renew-deadline < .*lease-duration/],
    ["renew not shorter than lease", { leaderElectLeaseDuration: "10s" }, /retry-period < .*renew-deadline < .*lease-duration/],
    ["an unparsable duration", { leaderElectLeaseDuration: "soon" }, /--leader-elect-lease-duration/],
  ] as const) {
    it(`refuses ${name} naming the flags`, () => {
      assert.throws(() => leaderElectSettings({ ...BASE, ...flags }), (e: Error & { code?: string }) => e.code === "ERR_USAGE" && want.test(e.message));
    });
  }

  it("approver takes the timing flags as serve does, and refuses bad ones with exit 2 before touching a cluster", async () => {
    const r = await runCli(["approver", "--leader-elect", "--kubeconfig", "/nonexistent", "--leader-elect-retry-period", "20s"]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /retry-period < .*renew-deadline < .*lease-duration/);
  });
});
