import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { scan } from "../engine/scan.js";
import { demoNow, demoPath } from "../../test/support/fixtures.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { buildRotationReport, type RotationReport } from "./rotation.js";
import { renderRotationText } from "./rotation-render.js";

function rotation(report: RotationReport, identity: string) {
  const r = report.rotations.find((x) => x.identity === identity);
  assert.ok(r, `no rotation for ${identity}: ${report.rotations.map((x) => x.identity).join(", ")}`);
  return r;
}

describe("rotation progress in the demo cluster", () => {
  let report: RotationReport;
  before(async () => {
    const result = await scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7 });
    report = buildRotationReport(result.inventory, result.evaluatedAt);
  });

  it("half-rotated K3s HA: k3s-server-2 lags on every server CA, k3s-server-1 is done", () => {
    const ids = ["k3s-client-ca", "k3s-etcd-peer-ca", "k3s-etcd-server-ca", "k3s-request-header-ca", "k3s-server-ca"];
    for (const id of ids) {
      const r = rotation(report, id);
      assert.deepEqual(r.places.map((p) => [p.place, p.phase]), [["k3s-server-1", "old-removed"], ["k3s-server-2", "new-not-distributed"]], id);
      assert.deepEqual(r.lagging, ["k3s-server-2"]);
      assert.match(r.variants.find((v) => v.label === "new")!.subject, /@1764000000$/);
    }
    assert.deepEqual(report.lagging.find((l) => l.place === "k3s-server-2")?.identities, ids);
  });

  it("half-rotated KubeEdge fleet: edge-1 still on the old rootCA.crt, edge-2 and CloudCore on casecret's CA", () => {
    const r = rotation(report, "kubeedge-ca");
    assert.deepEqual(r.places.map((p) => [p.place, p.trusts, p.signedBy, p.phase]), [
      ["cluster", ["new"], ["new"], "old-removed"],
      ["edge-1", ["old"], ["old"], "new-not-distributed"],
      ["edge-2", ["new"], ["new"], "old-removed"],
    ]);
    assert.deepEqual(r.lagging, ["edge-1"]);
    assert.match(r.currentBecause, /casecret/);
  });

  it("the text names the lagging nodes first", () => {
    const text = renderRotationText(report);
    assert.match(text, /Lagging:\n {2}edge-1: kubeedge-ca\n {2}k3s-server-2: k3s-client-ca/);
    assert.match(text, /edge-1 +old +old +new CA not distributed yet {2}<- lags/);
  });
});

describe("rotation phases, node by node (kubeadm manual CA rotation, Talos accepted -> issuing -> old removed)", () => {
  const pki = new FixedPki();
  let report: RotationReport;
  before(async () => {
    pki.issue("old", { subj: "/CN=kubernetes", start: "2024-01-01T00:00:00Z", end: "2034-01-01T00:00:00Z", ca: true });
    pki.issue("new", { subj: "/CN=kubernetes", start: "2026-01-01T00:00:00Z", end: "2036-01-01T00:00:00Z", ca: true });
    pki.issue("leaf-old", { subj: "/CN=kube-apiserver", start: "2025-06-01T00:00:00Z", end: "2027-06-01T00:00:00Z", signer: "old" });
    pki.issue("leaf-new", { subj: "/CN=kube-apiserver", start: "2026-02-01T00:00:00Z", end: "2027-06-01T00:00:00Z", signer: "new" });
    const both = pki.pem("old") + pki.pem("new");
    const nodes: Array<[string, string, string]> = [
      ["cp-a", pki.pem("old"), "leaf-old"],
      ["cp-b", both, "leaf-old"],
      ["cp-c", both, "leaf-new"],
      ["cp-d", pki.pem("new"), "leaf-new"],
    ];
    for (const [node, ca, leaf] of nodes) {
      pki.put(`${node}/etc/kubernetes/pki/ca.crt`, ca);
      pki.put(`${node}/etc/kubernetes/pki/apiserver.crt`, pki.pem(leaf));
    }
    const result = await scan({ paths: [pki.tree], now: new Date("2026-06-01T00:00:00Z"), warnDays: 30, critDays: 7 });
    report = buildRotationReport(result.inventory, result.evaluatedAt);
  });
  after(() => pki.cleanup());

  const rows = [
    { name: "old CA only: the new one has not arrived", place: "cp-a", phase: "new-not-distributed", trusts: ["old"], signedBy: ["old"] },
    { name: "both CAs, old leaf: accepted", place: "cp-b", phase: "new-trusted", trusts: ["old", "new"], signedBy: ["old"] },
    { name: "both CAs, new leaf: issuing", place: "cp-c", phase: "reissued", trusts: ["old", "new"], signedBy: ["new"] },
    { name: "new CA only, new leaf: old removed", place: "cp-d", phase: "old-removed", trusts: ["new"], signedBy: ["new"] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const p = rotation(report, "kubeadm-ca").places.find((x) => x.place === row.place);
      assert.ok(p, row.place);
      assert.deepEqual([p.phase, p.trusts, p.signedBy], [row.phase, row.trusts, row.signedBy]);
    });
  }

  it("every node short of old-removed lags, and the rotation stands at its slowest node", () => {
    const r = rotation(report, "kubeadm-ca");
    assert.deepEqual(r.lagging, ["cp-a", "cp-b", "cp-c"]);
    assert.equal(r.phase, "new-not-distributed");
  });

  it("a node that dropped the old CA before its certificate was re-issued is broken", async () => {
    pki.put("cp-e/etc/kubernetes/pki/ca.crt", pki.pem("new"));
    pki.put("cp-e/etc/kubernetes/pki/apiserver.crt", pki.pem("leaf-old"));
    const result = await scan({ paths: [pki.tree], now: new Date("2026-06-01T00:00:00Z"), warnDays: 30, critDays: 7 });
    const p = rotation(buildRotationReport(result.inventory, result.evaluatedAt), "kubeadm-ca").places.find((x) => x.place === "cp-e")!;
    assert.equal(p.phase, "broken");
    assert.deepEqual(p.certificates.map((c) => c.signedBy), ["old"]);
    pki.remove("cp-e");
  });

  it("one CA key everywhere: no rotation", async () => {
    const solo = new FixedPki();
    try {
      solo.issue("ca", { subj: "/CN=kubernetes", start: "2024-01-01T00:00:00Z", end: "2034-01-01T00:00:00Z", ca: true });
      solo.put("cp-1/etc/kubernetes/pki/ca.crt", solo.pem("ca"));
      solo.put("cp-2/etc/kubernetes/pki/ca.crt", solo.pem("ca"));
      const result = await scan({ paths: [solo.tree], now: new Date("2026-06-01T00:00:00Z"), warnDays: 30, critDays: 7 });
      const r = buildRotationReport(result.inventory, result.evaluatedAt);
      assert.deepEqual(r.rotations, []);
      assert.match(renderRotationText(r), /No CA rotation in progress/);
    } finally {
      solo.cleanup();
    }
  });
});
