import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { demoPath } from "./support/fixtures.js";

const NOW = "2026-12-01T00:00:00Z";

describe("certdoctor rotation", () => {
  it("JSON names the lagging nodes of the demo's K3s and KubeEdge rotations", async () => {
    const r = await runCli(["rotation", demoPath(), "--now", NOW, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as { schemaVersion: number; lagging: Array<{ place: string }>; rotations: Array<{ identity: string; places: Array<{ place: string; phase: string }> }> };
    assert.equal(report.schemaVersion, 1);
    assert.deepEqual(report.lagging.map((l) => l.place), ["edge-1", "k3s-server-2"]);
    assert.doesNotMatch(r.out, /PRIVATE KEY/);
  });

  it("--fail-on-lagging exits 1 while a node lags", async () => {
    const r = await runCli(["rotation", demoPath(), "--now", NOW, "--fail-on-lagging"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /k3s-server-2/);
  });

  it("a tree without rotations exits 0 and says so", async () => {
    const r = await runCli(["rotation", demoPath("cp-1"), "--now", NOW, "--fail-on-lagging"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /No CA rotation in progress/);
  });

  it("exit 2 on a bad --format", async () => {
    const r = await runCli(["rotation", demoPath(), "--format", "yaml"]);
    assert.equal(r.code, 2);
  });
});
