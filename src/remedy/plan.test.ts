import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import { demoNow, demoPath } from "../../test/support/fixtures.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { buildPlan, type Plan, type PlanStep } from "./plan.js";
import { renderPlanMarkdown } from "./plan-markdown.js";

const RESCAN = "certdoctor scan demo/cluster";

function planOf(plan: Plan, distribution: string): Plan["plans"][number] {
  const p = plan.plans.find((x) => x.distribution === distribution);
  assert.ok(p, `no ${distribution} plan in ${plan.plans.map((x) => x.distribution).join(", ")}`);
  return p;
}

function step(plan: Plan, distribution: string, id: string): PlanStep {
  const s = planOf(plan, distribution).steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id} in ${planOf(plan, distribution).steps.map((x) => x.id).join(", ")}`);
  return s;
}

describe("plan for the demo cluster's stories", () => {
  let plan: Plan;
  before(async () => {
    const result = await scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7 });
    plan = buildPlan(result, { rescan: RESCAN });
  });

  it("every distribution plan backs up first (when it writes files) and rescans last", () => {
    for (const p of plan.plans) {
      const phases = p.steps.map((s) => s.phase);
      assert.equal(phases.at(-1), "verify", p.distribution);
      assert.deepEqual(p.steps.at(-1)!.commands, [RESCAN]);
      if (p.distribution !== "kubernetes") assert.equal(phases[0], "backup", p.distribution);
      const rank = { backup: 0, fix: 1, restart: 2, "follow-up": 3, verify: 4 };
      assert.deepEqual([...phases].sort((a, b) => rank[a] - rank[b]), phases, `${p.distribution} steps out of order`);
    }
  });

  it("kubeadm: renews admin.conf and front-proxy-client on cp-1, restarts kube-apiserver, then copies admin.conf", () => {
    const renew = step(plan, "kubeadm", "kubeadm-renew-leaves");
    assert.deepEqual(renew.on, ["cp-1"]);
    assert.deepEqual(renew.commands, ["kubeadm certs check-expiration", "kubeadm certs renew admin.conf", "kubeadm certs renew front-proxy-client"]);
    assert.deepEqual(step(plan, "kubeadm", "kubeadm-restart-static-pods").restarts, ["kube-apiserver"]);
    const ids = planOf(plan, "kubeadm").steps.map((s) => s.id);
    assert.ok(ids.indexOf("kubeadm-copy-admin-kubeconfig") > ids.indexOf("kubeadm-restart-static-pods"));
    assert.deepEqual(step(plan, "kubeadm", "kubeadm-backup").on, ["cp-1"]);
  });

  it("kubelet: restores the rotation symlink on worker-1 only", () => {
    const s = step(plan, "kubelet", "kubelet-restore-rotation-symlink");
    assert.deepEqual(s.on, ["worker-1"]);
    assert.ok(s.commands.some((c) => c.includes("ln -s")));
    assert.deepEqual(s.addresses, ["cert-expiring", "kubelet-rotation-blocked"]);
  });

  it("K3s: restarts only k3s-server-2, the server left on the old CAs", () => {
    const s = step(plan, "k3s", "k3s-restart-lagging-servers");
    assert.deepEqual(s.on, ["k3s-server-2"]);
    assert.deepEqual(s.restarts, ["k3s"]);
    assert.match(s.notes!.join(" "), /--server/);
    assert.match(s.notes!.join(" "), /--force only when the new CA is self-signed and not cross-signed/);
    assert.ok(!planOf(plan, "k3s").steps.some((x) => x.id === "k3s-rotate-servers"), "no leaf rotation: the leaves are fine, only the CA lags");
  });

  it("KubeEdge: edge-1 re-fetches CA and certificate (its own cert is from the old CA); edge-2 is left alone", () => {
    const s = step(plan, "kubeedge", "kubeedge-refetch-edge-certs");
    assert.deepEqual(s.on, ["cluster", "edge-1"]);
    assert.ok(s.commands.includes("keadm gettoken   # on the cloud side: the join token"));
    assert.ok(!planOf(plan, "kubeedge").steps.some((x) => x.id === "kubeedge-sync-edge-ca"), "ca-sync would refuse: edge-1's leaf needs the old CA");
  });

  it("the pending kubelet-serving CSR gets an approval step and no backup", () => {
    const p = planOf(plan, "kubernetes");
    assert.deepEqual(p.steps.map((s) => s.id), ["kubernetes-approve-csrs", "kubernetes-verify"]);
    assert.ok(p.steps[0]!.commands.includes("kubectl certificate approve csr-t7q9w"));
  });

  it("Markdown lists every plan and numbers the steps", () => {
    const md = renderPlanMarkdown(plan);
    for (const title of ["## kubeadm", "## kubelet", "## K3s", "## KubeEdge", "## Kubernetes API objects"]) assert.ok(md.includes(title), title);
    assert.match(md, /### 1\. Back up the certificate directories first/);
    assert.ok(!/PRIVATE KEY/.test(md));
  });
});

describe("plan for distributions outside the demo", () => {
  const pki = new FixedPki();
  const now = new Date("2026-06-01T00:00:00Z");
  let result: ScanResult;
  before(async () => {
    pki.issue("ca", { subj: "/CN=kubernetes", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
    pki.issue("leaf", { subj: "/CN=kube-apiserver", start: "2025-06-01T00:00:00Z", end: "2026-06-04T00:00:00Z", signer: "ca" });
    for (const [node, dir, name] of [
      ["talos-cp-1", "system/secrets/kubernetes/kube-apiserver", "apiserver"],
      ["kops-cp-1", "srv/kubernetes/kube-apiserver", "server"],
      ["rke2-server-1", "var/lib/rancher/rke2/server/tls", "serving-kube-apiserver"],
      ["etcd-1", "etc/etcd/pki", "server"],
    ] as const) {
      pki.put(`${node}/${dir}/${name}.crt`, pki.pem("leaf"));
      pki.put(`${node}/${dir}/${name}.key`, pki.keyPem("leaf"));
      pki.put(`${node}/${dir}/ca.crt`, pki.pem("ca"));
    }
    result = await scan({ paths: [pki.tree], now, warnDays: 30, critDays: 7 });
  });
  after(() => pki.cleanup());

  const rows = [
    { name: "Talos lets Talos re-issue the expiring API server certificate", distribution: "talos", id: "talos-reissue", on: ["talos-cp-1"], has: "talosctl -n <node> time" },
    { name: "kops replaces the node", distribution: "kops", id: "kops-replace-nodes", on: ["kops-cp-1"], has: "kops rolling-update cluster --force --yes --instance-group <group>" },
    { name: "RKE2 stops rke2-server, rotates api-server and starts it", distribution: "rke2", id: "rke2-rotate-servers", on: ["rke2-server-1"], has: "rke2 certificate rotate --service api-server" },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const plan = buildPlan(result, { rescan: "certdoctor scan x" });
      const s = step(plan, row.distribution, row.id);
      assert.deepEqual(s.on, row.on);
      assert.ok(s.commands.includes(row.has), s.commands.join("\n"));
      assert.equal(planOf(plan, row.distribution).steps[0]!.phase, "backup");
    });
  }

  it("RKE2 stops the unit before rotating and starts it after", () => {
    const s = step(buildPlan(result, { rescan: "x" }), "rke2", "rke2-rotate-servers");
    assert.deepEqual([s.commands[0], s.commands.at(-1)], ["systemctl stop rke2-server", "systemctl start rke2-server"]);
  });

  it("standalone etcd gets the finding's own advice, backing up the certificate's directory", () => {
    const plan = buildPlan(result, { rescan: "x" });
    const p = planOf(plan, "etcd");
    assert.deepEqual(p.steps[0]!.commands, ["certdoctor backup --path /etc/etcd/pki --key-file <key-file> --output <node>-etcd.cdbk"]);
    assert.match(p.steps[1]!.notes!.join(" "), /one member at a time/);
  });

  it("a clean scan plans nothing", async () => {
    const clean = await scan({ paths: [pki.tree], now: new Date("2025-07-01T00:00:00Z"), warnDays: 30, critDays: 7 });
    const plan = buildPlan(clean, { rescan: "x" });
    assert.deepEqual(plan.plans, []);
    assert.match(renderPlanMarkdown(plan), /nothing to renew/);
  });
});
