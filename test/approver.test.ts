import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CertificatesV1Api, KubeConfig } from "@kubernetes/client-node";
import { runApprover } from "../src/cli/commands/approver.js";
import type { CliIO } from "../src/cli/io.js";
import { b64, kubeletServingCsr, writeKubeconfig } from "./kube-api/seed.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { runCli } from "./support/cli.js";
import { NodeCsrMaker, type NodeCsrSpec } from "./support/node-csr.js";

type Rec = Record<string, any>;

function nodeObj(name: string, addresses: Array<[string, string]>): Rec {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses: addresses.map(([type, address]) => ({ type, address })) } };
}

const NODES = [
  nodeObj("w1", [["Hostname", "w1"], ["InternalIP", "10.0.0.11"]]),
  nodeObj("w2", [["Hostname", "w2"], ["InternalIP", "10.0.0.12"]]),
  nodeObj("w3", [["Hostname", "w3"], ["InternalIP", "10.0.0.13"], ["ExternalIP", "2001:db8::13"]]),
  nodeObj("w4", [["Hostname", "w4"], ["InternalDNS", "w4.nodes.example.com"]]),
  nodeObj("w5", [["Hostname", "w5"], ["InternalIP", "10.0.0.15"]]),
];

interface Row {
  name: string;
  node: string;
  csr: NodeCsrSpec;
  spec?: Rec;
  want: string;
  action: "approved" | "pending" | "retry";
}

/** One CSR per case, all in one cluster, decided in one `--once` round. */
const ROWS: Row[] = [
  { name: "ok-ec", node: "w1", csr: { san: "DNS:w1,IP:10.0.0.11" }, want: "CertdoctorApproved", action: "approved" },
  { name: "ok-rsa-keyenc", node: "w3", csr: { san: "DNS:w3,IP:10.0.0.13,IP:2001:db8::13", key: "rsa" }, spec: { usages: ["digital signature", "key encipherment", "server auth"] }, want: "CertdoctorApproved", action: "approved" },
  { name: "ok-ed25519-internaldns", node: "w4", csr: { san: "DNS:w4.nodes.example.com", key: "ed25519" }, want: "CertdoctorApproved", action: "approved" },
  { name: "wrong-group", node: "w2", csr: { san: "DNS:w2" }, spec: { groups: ["system:authenticated"] }, want: "NodeGroupMissing", action: "pending" },
  { name: "not-a-node", node: "w2", csr: { san: "DNS:w2" }, spec: { username: "system:serviceaccount:default:evil" }, want: "RequesterNotNode", action: "pending" },
  { name: "node-missing", node: "w9", csr: { san: "DNS:w9" }, want: "NodeNotFound", action: "retry" },
  { name: "subject-other-node", node: "w2", csr: { san: "DNS:w2", subject: "/O=system:nodes/CN=system:node:w1" }, want: "SubjectMismatch", action: "pending" },
  { name: "san-other-node", node: "w2", csr: { san: "DNS:w2,DNS:w1" }, want: "SANMismatch", action: "pending" },
  { name: "ip-not-the-nodes", node: "w2", csr: { san: "DNS:w2,IP:10.0.0.11" }, want: "SANMismatch", action: "pending" },
  { name: "in-cluster-name", node: "w2", csr: { san: "DNS:w2,DNS:kubernetes.default.svc.cluster.local" }, want: "SANInCluster", action: "pending" },
  { name: "service-cidr-ip", node: "w2", csr: { san: "DNS:w2,IP:10.96.0.1" }, want: "SANInServiceCIDR", action: "pending" },
  { name: "email-san", node: "w2", csr: { san: "DNS:w2,email:admin@w2" }, want: "SANTypeForbidden", action: "pending" },
  { name: "uri-san", node: "w2", csr: { san: "DNS:w2,URI:spiffe://cluster.local/ns/kube-system/sa/admin" }, want: "SANTypeForbidden", action: "pending" },
  { name: "client-usage", node: "w2", csr: { san: "DNS:w2" }, spec: { usages: ["digital signature", "server auth", "client auth"] }, want: "UsageMismatch", action: "pending" },
  { name: "overlong-expiry", node: "w2", csr: { san: "DNS:w2" }, spec: { expirationSeconds: 5 * 365 * 86400 }, want: "ExpirationTooLong", action: "pending" },
  { name: "weak-key", node: "w2", csr: { san: "DNS:w2", key: "rsa-1024" }, want: "KeyTooWeak", action: "pending" },
  { name: "bad-signature", node: "w2", csr: { san: "DNS:w2", breakSignature: true }, want: "SignatureInvalid", action: "pending" },
  { name: "dup-a", node: "w5", csr: { san: "DNS:w5" }, want: "CertdoctorApproved", action: "approved" },
  { name: "dup-b", node: "w5", csr: { san: "DNS:w5,IP:10.0.0.15" }, want: "DuplicateRequest", action: "retry" },
];

function csrObject(maker: NodeCsrMaker, row: Row, created: string): Rec {
  const base = kubeletServingCsr(row.name, row.node, maker.pem(row.node, row.csr), created) as Rec;
  return { ...base, spec: { ...base.spec, ...row.spec } };
}

const get = (server: KubeApiServer, name: string): Rec =>
  server.store.get({ group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false }, undefined, name) as Rec;
const conditions = (server: KubeApiServer, name: string): Rec[] => get(server, name)?.status?.conditions ?? [];
const events = (server: KubeApiServer): Rec[] => [...server.store.bucket({ group: "", version: "v1", resource: "events", kind: "Event", namespaced: true }).values()] as Rec[];

describe("certdoctor approver against the test API server (real client-node)", () => {
  let maker: NodeCsrMaker;
  let dir: string;
  let configPath: string;
  before(() => {
    maker = new NodeCsrMaker();
    dir = mkdtempSync(join(tmpdir(), "certdoctor-approver-"));
    configPath = join(dir, "approver.yaml");
    writeFileSync(configPath, "serviceCidrs: [10.96.0.0/12]\nclusterDomain: cluster.local\n");
  });
  after(() => {
    maker.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cluster(rows: Row[]): Promise<{ server: KubeApiServer; kubeconfig: string; cleanup: () => Promise<void> }> {
    const server = await startKubeApi({ now: () => new Date("2026-06-01T00:00:00Z") });
    for (const n of NODES) server.store.put(n);
    rows.forEach((r, i) => server.store.put(csrObject(maker, r, `2026-05-31T00:00:${String(i).padStart(2, "0")}Z`)));
    const file = writeKubeconfig(server);
    return { server, kubeconfig: file.path, cleanup: async () => { await server.close(); file.cleanup(); } };
  }

  it("--once decides every case: approves only CSRs whose every name is the node's own, exits 0", async () => {
    const { server, kubeconfig, cleanup } = await cluster(ROWS);
    try {
      const r = await runCli(["approver", "--kubeconfig", kubeconfig, "--once", "--config", configPath, "--format", "json"]);
      assert.equal(r.code, 0, r.err);
      const decisions = r.out.trim().split("\n").map((l) => JSON.parse(l) as { csr: string; action: string; reason: string; message: string });
      for (const row of ROWS) {
        const d = decisions.find((x) => x.csr === row.name);
        assert.ok(d, `no decision for ${row.name}`);
        assert.equal(`${d.action} ${d.reason}`, `${row.action} ${row.want}`, `${row.name}: ${d.message}`);
        const conds = conditions(server, row.name);
        if (row.action === "approved") {
          assert.deepEqual(conds.map((c) => `${c.type}=${c.status} ${c.reason}`), ["Approved=True CertdoctorApproved"], row.name);
          assert.match(conds[0]!.message, /checked: .*every DNS name and IP is the Node's own/);
        } else assert.deepEqual(conds, [], `${row.name} stays pending`);
      }
      // the approvals went through the /approval subresource, with PUT, once per approved CSR
      const puts = server.requests.filter((q) => q.method === "PUT" && q.subresource === "approval");
      assert.deepEqual(puts.map((q) => q.path.split("/")[5]).sort(), ROWS.filter((x) => x.action === "approved").map((x) => x.name).sort());
      assert.ok(puts.every((q) => q.status === 200));
      // the list used the field selector on the signer
      assert.ok(server.requests.some((q) => q.verb === "list" && q.resource === "certificatesigningrequests" && q.query.fieldSelector === "spec.signerName=kubernetes.io/kubelet-serving"));
      // every refusal has a Warning Event on its CSR, with the reason; approvals a Normal one
      const evs = events(server);
      for (const row of ROWS.filter((x) => x.action === "pending" || x.want === "NodeNotFound")) {
        const e = evs.find((x) => x.involvedObject?.name === row.name);
        assert.ok(e, `no Event for ${row.name}`);
        assert.deepEqual([e.type, e.reason, e.involvedObject.kind, e.metadata.namespace], ["Warning", row.want, "CertificateSigningRequest", "default"]);
      }
      assert.ok(evs.some((x) => x.involvedObject?.name === "ok-ec" && x.type === "Normal" && x.reason === "CertdoctorApproved"));
      // log lines name the failed check in words
      assert.match(r.err, /left pending: san-other-node from node w2: SANMismatch: DNS name w1 is not one of Node w2's addresses/);
    } finally {
      await cleanup();
    }
  });

  it("--dry-run approves nothing, writes nothing, and says what it would do", async () => {
    const rows = ROWS.filter((x) => ["ok-ec", "san-other-node"].includes(x.name));
    const { server, kubeconfig, cleanup } = await cluster(rows);
    try {
      const r = await runCli(["approver", "--kubeconfig", kubeconfig, "--once", "--dry-run", "--deny"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /dry-run approved\s+ok-ec \(node w1\)/);
      assert.match(r.out, /dry-run denied\s+san-other-node/);
      assert.deepEqual(server.requests.filter((q) => q.method !== "GET" && q.resource !== "selfsubjectaccessreviews"), []);
      assert.deepEqual(conditions(server, "ok-ec"), []);
    } finally {
      await cleanup();
    }
  });

  it("--deny denies a refused CSR with the failed check as reason", async () => {
    const rows = ROWS.filter((x) => ["ok-ec", "client-usage", "node-missing"].includes(x.name));
    const { server, kubeconfig, cleanup } = await cluster(rows);
    try {
      const r = await runCli(["approver", "--kubeconfig", kubeconfig, "--once", "--deny"]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(conditions(server, "client-usage").map((c) => `${c.type} ${c.reason}`), ["Denied UsageMismatch"]);
      assert.match(conditions(server, "client-usage")[0]!.message, /client auth/);
      assert.deepEqual(conditions(server, "node-missing"), [], "an undecidable CSR is never denied");
      assert.deepEqual(conditions(server, "ok-ec").map((c) => c.type), ["Approved"]);
    } finally {
      await cleanup();
    }
  });

  it("a bad --config is a config error (exit 2) before anything is read", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "serviceCIDRs: [10.96.0.0/12]\n");
    const r = await runCli(["approver", "--kubeconfig", "/nonexistent", "--once", "--config", bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_CONFIG_INVALID: --config .*unknown setting "serviceCIDRs"/);
  });

  it("running: approves CSRs as nodes create them, retries a node that registers late, survives a failing approval", async () => {
    const server = await startKubeApi({ tokens: { admin: "admin", w1: "system:node:w1", w7: "system:node:w7" }, bookmarkIntervalMs: 200 });
    for (const n of NODES) server.store.put(n);
    const files = ["admin", "w1", "w7"].map((t) => writeKubeconfig(server, t));
    const stop = new AbortController();
    let out = "";
    let err = "";
    const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false, columns: 80, color: false, cwd: process.cwd() };
    const running = runApprover({ kubeconfig: files[0]!.path, config: configPath, leaderElectNamespace: "certdoctor", leaderElectName: "certdoctor-approver", maxDuration: "60", metricsAddr: "127.0.0.1:0" }, io, stop.signal);
    const nodeClient = (i: number) => {
      const kc = new KubeConfig();
      kc.loadFromFile(files[i]!.path);
      return kc.makeApiClient(CertificatesV1Api);
    };
    const waitFor = async (what: string, pred: () => boolean) => {
      for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(pred(), `timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    };
    try {
      // the first approval PUT fails with a 500: the CSR is requeued with backoff, never lost
      server.faults.push({ verb: "update", resource: "certificatesigningrequests", action: "500", times: 1 });
      await nodeClient(1).createCertificateSigningRequest({ body: { metadata: { name: "live-w1" }, spec: { request: b64(maker.pem("w1", { san: "DNS:w1,IP:10.0.0.11" })), signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"] } } });
      await waitFor("live-w1 approved", () => conditions(server, "live-w1").some((c) => c.type === "Approved"));
      assert.match(err, /approving live-w1: ApiUnavailable/);

      // w7 asks before its Node exists: undecided, then approved once the Node registers
      await nodeClient(2).createCertificateSigningRequest({ body: { metadata: { name: "live-w7" }, spec: { request: b64(maker.pem("w7", { san: "DNS:w7,IP:10.0.0.17" })), signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"] } } });
      await waitFor("live-w7 undecided", () => /live-w7 .*NodeNotFound/.test(out));
      assert.deepEqual(conditions(server, "live-w7"), []);
      server.store.put(nodeObj("w7", [["Hostname", "w7"], ["InternalIP", "10.0.0.17"]]));
      await waitFor("live-w7 approved", () => conditions(server, "live-w7").some((c) => c.type === "Approved"));

      // a node asking for another node's IP stays pending however often it is looked at
      await nodeClient(1).createCertificateSigningRequest({ body: { metadata: { name: "live-steal" }, spec: { request: b64(maker.pem("w1", { san: "DNS:w1,IP:10.0.0.12" })), signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"] } } });
      await waitFor("live-steal refused", () => /live-steal .*SANMismatch/.test(out));
      server.store.put(nodeObj("w6", [["Hostname", "w6"]]));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(conditions(server, "live-steal"), []);
      assert.equal(events(server).filter((e) => e.involvedObject?.name === "live-steal").length, 1, "one Event per refusal, not one per look");

      // /metrics counts what was decided
      const url = /metrics at (\S+)/.exec(err)?.[1];
      assert.ok(url, err);
      const text = await (await fetch(url)).text();
      assert.match(text, /^certdoctor_approver_decisions_total\{decision="approved",reason="CertdoctorApproved"\} 2$/m);
      assert.match(text, /^certdoctor_approver_decisions_total\{decision="pending",reason="SANMismatch"\} [1-9]/m);
      assert.match(text, /^certdoctor_approver_leader 1$/m);
    } finally {
      stop.abort();
      assert.equal(await running, 0);
      await server.close();
      for (const f of files) f.cleanup();
    }
  });
});
