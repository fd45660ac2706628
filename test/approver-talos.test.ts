import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kubeletServingCsr, writeKubeconfig } from "./kube-api/seed.js";
import { startKubeApi } from "./kube-api/server.js";
import { runCli } from "./support/cli.js";
import { NodeCsrMaker } from "./support/node-csr.js";

/** The Talos story with certdoctor alone: scan finds the unapproved kubelet-serving CSRs, the approver decides them, the scan is clear. */
describe("Talos story: kubelet serving CSRs nobody approves", () => {
  it("scan reports them, approver --once approves the valid ones, the kubelet-serving findings clear", async () => {
    const maker = new NodeCsrMaker();
    const server = await startKubeApi();
    const file = writeKubeconfig(server);
    try {
      const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
      for (const [i, n] of ["talos-worker-1", "talos-worker-2", "talos-worker-3"].entries()) {
        server.store.put({ apiVersion: "v1", kind: "Node", metadata: { name: n }, status: { addresses: [{ type: "InternalIP", address: `10.5.0.${i + 2}` }, { type: "Hostname", address: n }] } });
        server.store.put(kubeletServingCsr(`csr-${n}`, n, maker.pem(n, { san: `DNS:${n},IP:10.5.0.${i + 2}` }), ago(60 + i)));
      }
      const rulesOf = (out: string) => (JSON.parse(out) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule);
      const before = await runCli(["scan", "--kubeconfig", file.path, "--format", "json", "--allow-empty", "--fail-on", "never"]);
      assert.ok(rulesOf(before.out).includes("csr-unapproved-kubelet-serving"), before.err);
      assert.ok(rulesOf(before.out).includes("csr-pending"));

      const approve = await runCli(["approver", "--kubeconfig", file.path, "--once"]);
      assert.equal(approve.code, 0, approve.err);
      assert.equal(approve.out.split("\n").filter((l) => l.startsWith("approved")).length, 3, approve.out);

      const afterScan = await runCli(["scan", "--kubeconfig", file.path, "--format", "json", "--allow-empty", "--fail-on", "never"]);
      const left = rulesOf(afterScan.out).filter((r) => ["csr-unapproved-kubelet-serving", "csr-pending", "csr-approved-unchecked", "kubelet-serving-unapproved"].includes(r));
      assert.deepEqual(left, [], afterScan.out);
    } finally {
      await server.close();
      file.cleanup();
      maker.cleanup();
    }
  });
});
