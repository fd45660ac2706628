import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { kubeletServingCsr, node } from "../kube-api/seed.js";
import { scanObjects } from "../support/kube-scan.js";
import { NodeCsrMaker, type NodeCsrSpec } from "../support/node-csr.js";
import { findingsOf } from "../support/scan.js";

const APPROVED_BY = (reason: string) => [{ type: "Approved", status: "True", reason, message: "approved", lastUpdateTime: "2026-05-31T12:00:00Z" }];
const W1 = node("w1", ["w1", "10.0.0.11"]);

interface Row {
  name: string;
  csr: NodeCsrSpec;
  spec?: Record<string, unknown>;
  conditions?: unknown[];
  nodes?: Array<Record<string, unknown>>;
  want: string[];
}

const rows: Row[] = [
  { name: "another node's IP approved by kubelet-csr-approver is critical", csr: { san: "DNS:w1,IP:10.0.0.12" }, conditions: APPROVED_BY("AutoApproved"), want: ["critical SANMismatch"] },
  { name: "an in-cluster name approved by hand is critical", csr: { san: "DNS:w1,DNS:kubernetes.default.svc" }, conditions: APPROVED_BY("KubectlApprove"), want: ["critical SANInCluster"] },
  { name: "a smuggled client usage is critical, also from a dump without Nodes", csr: { san: "DNS:w1" }, spec: { usages: ["digital signature", "server auth", "client auth"] }, conditions: APPROVED_BY("AutoApproved"), nodes: [], want: ["critical UsageMismatch"] },
  { name: "a weak key is a warning", csr: { san: "DNS:w1", key: "rsa-1024" }, conditions: APPROVED_BY("AutoApproved"), want: ["warning KeyTooWeak"] },
  { name: "without the Node a foreign SAN cannot be judged: silent", csr: { san: "DNS:w1,IP:10.0.0.12" }, conditions: APPROVED_BY("AutoApproved"), nodes: [], want: [] },
  { name: "a CSR that passes every check is silent whoever approved it", csr: { san: "DNS:w1,IP:10.0.0.11" }, conditions: APPROVED_BY("AutoApproved"), want: [] },
  { name: "a pending CSR is not this rule's business", csr: { san: "DNS:w1,IP:10.0.0.12" }, want: [] },
  { name: "a forged CertdoctorApproved reason does not hide a wrong subject", csr: { san: "DNS:w1", subject: "/O=system:masters/CN=system:node:w1" }, conditions: APPROVED_BY("CertdoctorApproved"), want: ["critical SubjectMismatch"] },
  { name: "CertdoctorApproved with a name outside the Node is trusted (its allow-list is unknown to a scan)", csr: { san: "DNS:w1.lb.example.org" }, conditions: APPROVED_BY("CertdoctorApproved"), want: [] },
];

describe("csr-approved-unchecked", () => {
  let maker: NodeCsrMaker;
  before(() => (maker = new NodeCsrMaker()));
  after(() => maker.cleanup());
  for (const row of rows) {
    it(row.name, async () => {
      const base = kubeletServingCsr("csr-1", "w1", maker.pem("w1", row.csr), "2026-05-31T00:00:00Z", row.conditions ?? []) as { spec: Record<string, unknown> };
      const csr = { ...base, spec: { ...base.spec, ...row.spec } };
      const found = findingsOf(await scanObjects([csr, ...(row.nodes ?? [W1])]), "csr-approved-unchecked");
      assert.deepEqual(found.map((f) => `${f.severity} ${/fails (\w+)/.exec(f.title)?.[1]}`), row.want, found.map((f) => f.detail).join("\n"));
      for (const f of found) assert.deepEqual(f.locations, ["csr:csr-1"]);
    });
  }
});
