import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { after, before, describe, it } from "node:test";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { kubeletServingCsr, node, webhookConfig, writeKubeconfig } from "./kube-api/seed.js";
import { fixtureNow, fixturePath, findRepoRoot } from "./support/fixtures.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";
import { runCli } from "./support/cli.js";

const root = findRepoRoot();

const run = (args: string[]) => runCli(args, { cwd: root, columns: 100 });

interface Report {
  findings: Array<{ rule: string; severity: string; locations: string[] }>;
  notes: Array<{ code: string; location: string }>;
  certificates: Array<{ locations: string[]; subject: string }>;
}

/** Listens on `host:port` (port 0 = any); resolves the port, or undefined when it is taken. */
function listenOn(server: NetServer, host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

// Two kubelets on the same port of different loopback addresses (node InternalIPs), as in a real cluster:
// a Talos node whose kubelet has no serving certificate (alert 80), and a healthy one.
describe("scan --probe-discovered against a live (test) cluster", () => {
  let o: OpensslDir;
  let api: KubeApiServer;
  let kubeconfig: { path: string; cleanup: () => void };
  const servers: NetServer[] = [];
  const sockets = new Set<Socket>();
  let kubeletPort = 0;

  before(async () => {
    o = makeOpensslDir("certdoctor-discover-");
    o.makeCa("kubelet-ca", "/CN=worker-2-ca");
    o.makeLeaf("worker-2", "kubelet-ca", "/CN=worker-2", "DNS:worker-2,IP:127.0.0.3");
    const track = (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    };
    for (let attempt = 0; attempt < 20 && kubeletPort === 0; attempt++) {
      const talos = createNetServer((s) => {
        track(s);
        s.once("data", () => s.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80])));
      });
      const healthy = createTlsServer({ key: o.read("worker-2.key"), cert: o.read("worker-2.crt") }, (s) => s.end());
      healthy.on("connection", track);
      healthy.on("tlsClientError", () => undefined);
      const port = await listenOn(talos, "127.0.0.2", 0);
      if (port === undefined) continue;
      if ((await listenOn(healthy, "127.0.0.3", port)) === undefined) {
        talos.close();
        continue;
      }
      servers.push(talos, healthy);
      kubeletPort = port;
    }
    assert.ok(kubeletPort > 0, "could not bind one port on 127.0.0.2 and 127.0.0.3");
    api = await startKubeApi();
    const csr = readFileSync(fixturePath("keys", "request.csr"), "utf8");
    const hoursAgo = (h: number) => new Date(fixtureNow.getTime() - h * 3_600_000).toISOString();
    for (const obj of [
      node("talos-worker-1", ["talos-worker-1", "127.0.0.2"]),
      node("worker-2", ["worker-2", "127.0.0.3"]),
      node("no-ip", ["no-ip"]),
      kubeletServingCsr("csr-talos", "talos-worker-1", csr, hoursAgo(2)),
      // A webhook whose Service exists (ClusterIP with nothing listening) and one whose Service is missing.
      webhookConfig("policy", o.readText("kubelet-ca.crt"), { namespace: "system", name: "hook" }),
      webhookConfig("orphan", o.readText("kubelet-ca.crt"), { namespace: "system", name: "gone" }),
      { apiVersion: "v1", kind: "Service", metadata: { name: "hook", namespace: "system" }, spec: { clusterIP: "127.0.0.4", ports: [{ port: 443 }] } },
      // KubeEdge CloudCore's Service (nothing listens on its ClusterIP here).
      { apiVersion: "v1", kind: "Service", metadata: { name: "cloudcore", namespace: "kubeedge" }, spec: { clusterIP: "127.0.0.5", ports: [{ port: 10000 }, { port: 10002 }] } },
    ])
      api.store.put(obj);
    kubeconfig = writeKubeconfig(api);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await api?.close();
    kubeconfig?.cleanup();
    o?.cleanup();
  });

  it("probes the API server, every kubelet and the webhook Services, and tells the Talos story (alert 80 + pending kubelet-serving CSR)", async () => {
    const { code, out, err } = await run(["scan", "--kubeconfig", kubeconfig.path, "--probe-discovered", "--kubelet-port", String(kubeletPort), "--endpoint-timeout", "2000", "--format", "json", "--now", fixtureNow.toISOString()]);
    assert.equal(code, 1, err);
    const report = JSON.parse(out) as Report;
    const apiAddress = new URL(api.url).host;
    const byRule = (rule: string) => report.findings.filter((f) => f.rule === rule).map((f) => [...f.locations].sort());
    const rows: Array<{ name: string; rule: string; want: string[] }> = [
      { name: "Talos kubelet: alert 80 + pending CSR", rule: "kubelet-serving-unapproved", want: [`endpoint:127.0.0.2:${kubeletPort}`, "csr:csr-talos"] },
      { name: "webhook Service ClusterIP that does not answer", rule: "endpoint-unreachable", want: ["endpoint:127.0.0.4:443"] },
      { name: "KubeEdge CloudCore :10000", rule: "endpoint-unreachable", want: ["endpoint:127.0.0.5:10000"] },
      { name: "KubeEdge CloudCore :10002", rule: "endpoint-unreachable", want: ["endpoint:127.0.0.5:10002"] },
    ];
    for (const row of rows) assert.ok(byRule(row.rule).some((l) => row.want.every((w) => l.includes(w))), `${row.name}: ${JSON.stringify(byRule(row.rule))}`);
    // The alert-80 kubelet is not also a generic unreachable endpoint.
    assert.ok(!byRule("endpoint-unreachable").some((l) => l.includes(`endpoint:127.0.0.2:${kubeletPort}`)));
    const locations = report.certificates.flatMap((c) => c.locations);
    assert.ok(locations.includes(`endpoint:127.0.0.3:${kubeletPort}#0`), "the healthy kubelet's serving certificate is captured");
    assert.ok(locations.includes(`endpoint:${apiAddress}#0`), "the API server's serving certificate is captured");
    assert.ok(locations.includes(`endpoint:${apiAddress}#ca/0`), "the kubeconfig CA is the API server endpoint's anchor");
    assert.ok(!byRule("chain-untrusted").some((l) => l.some((x) => x.startsWith(`endpoint:${apiAddress}`))), "the API server verifies against the kubeconfig CA");
    const notes = report.notes.map((n) => `${n.code} ${n.location}`);
    assert.ok(notes.includes("ERR_SOURCE_SKIPPED node:no-ip"), notes.join("\n"));
    assert.ok(notes.includes("ERR_SOURCE_SKIPPED service:system/gone"), notes.join("\n"));
  });

  const usage: Array<{ name: string; args: string[] }> = [
    { name: "--probe-discovered without a cluster", args: ["scan", "--path", fixturePath("chain-ok"), "--probe-discovered"] },
    { name: "--kubelet-port without --probe-discovered", args: ["scan", "--path", fixturePath("chain-ok"), "--kubelet-port", "10250"] },
    { name: "a --kubelet-port out of range", args: ["scan", "--kubeconfig", fixturePath("kubeconfigs", "admin.conf"), "--probe-discovered", "--kubelet-port", "70000"] },
  ];
  for (const row of usage) {
    it(`usage error (exit 2): ${row.name}`, async () => {
      assert.equal((await run(row.args)).code, 2);
    });
  }
});
