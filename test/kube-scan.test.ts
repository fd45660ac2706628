import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import yaml from "js-yaml";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { b64, kubeletServingCsr, secret, tlsSecret, webhookConfig, writeKubeconfig } from "./kube-api/seed.js";
import { demoNow, demoPath, findRepoRoot, fixtureNow, fixturePath } from "./support/fixtures.js";
import { runCli } from "./support/cli.js";

const root = findRepoRoot();
const f = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");

const run = (args: string[]) => runCli(args, { cwd: root, columns: 100 });

interface Report {
  findings: Array<{ rule: string; severity: string; locations: string[] }>;
  notes: Array<{ code: string; location: string }>;
  certificates: Array<{ locations: string[] }>;
}

describe("certdoctor scan against a live (test) cluster", () => {
  const servers: KubeApiServer[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const c of cleanups) c();
  });
  async function cluster(objects: Array<Record<string, unknown>>): Promise<{ server: KubeApiServer; kubeconfig: string }> {
    const server = await startKubeApi();
    servers.push(server);
    for (const o of objects) server.store.put(o);
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    return { server, kubeconfig: kc.path };
  }

  it("KubeEdge: the live casecret (DER under cadata) plus --path edge files tell the same story as the manifest dump", async () => {
    const list = yaml.load(readFileSync(demoPath("manifests", "kubeedge.yaml"), "utf8")) as { items: Array<Record<string, unknown>> };
    const { kubeconfig } = await cluster(list.items);
    const edges = ["--path", demoPath("edge-1"), "--path", demoPath("edge-2")];
    const now = ["--now", demoNow.toISOString(), "--format", "json"];
    const live = JSON.parse((await run(["scan", "--kubeconfig", kubeconfig, ...edges, ...now])).out) as Report;
    const dump = JSON.parse((await run(["scan", "--path", demoPath("manifests", "kubeedge.yaml"), ...edges, ...now])).out) as Report;
    const story = (r: Report) => r.findings.filter((x) => ["ca-divergence", "chain-untrusted"].includes(x.rule)).map((x) => `${x.rule}:${x.severity} ${[...x.locations].sort().join(" ")}`).sort();
    assert.ok(story(live).some((s) => s.startsWith("ca-divergence:critical") && s.includes("secret:kubeedge/casecret#cadata")), story(live).join("\n"));
    assert.ok(story(live).some((s) => s.startsWith("chain-untrusted:critical") && s.includes("secret:kubeedge/cloudcoresecret#cloudcoredata")));
    assert.deepEqual(story(live), story(dump));
  });

  it("finds the cluster stories end to end: stale webhook caBundle, invalid TLS Secret, kubelet-serving CSR pile-up", async () => {
    const d = (await import("./support/openssl.js")).makeOpensslDir();
    cleanups.push(() => d.cleanup());
    d.makeCa("old-ca", "/CN=webhook-old-ca");
    d.makeCa("new-ca", "/CN=webhook-new-ca");
    d.makeLeaf("hook", "new-ca", "/CN=hook", "DNS:hook.system.svc");
    const req = f("keys", "request.csr");
    const hoursAgo = (h: number) => new Date(fixtureNow.getTime() - h * 3_600_000).toISOString();
    const { kubeconfig } = await cluster([
      webhookConfig("policy", d.readText("old-ca.crt"), { namespace: "system", name: "hook" }),
      tlsSecret("system", "hook-serving", d.readText("hook.crt"), d.readText("hook.key")),
      tlsSecret("apps", "wrong-ca", f("chain-ok", "fullchain.pem"), f("chain-ok", "leaf.key"), f("ed25519", "ca.crt")),
      ...[1, 2, 3].map((i) => kubeletServingCsr(`csr-${i}`, `talos-${i}`, req, hoursAgo(i))),
    ]);
    const { code, out } = await run(["scan", "--kubeconfig", kubeconfig, "--format", "json", "--now", fixtureNow.toISOString()]);
    assert.equal(code, 1);
    const rules = new Set((JSON.parse(out) as Report).findings.map((x) => x.rule));
    for (const r of ["webhook-cabundle-mismatch", "tls-secret-invalid", "csr-unapproved-kubelet-serving", "csr-pending"]) assert.ok(rules.has(r), r);
  });

  it("never prints Secret payloads, private keys or the token — in table, JSON, notes or errors", async () => {
    const key = f("chain-ok", "leaf.key");
    const password = "correct-horse-battery-staple-1234";
    const { server, kubeconfig } = await cluster([
      tlsSecret("apps", "web", f("chain-ok", "leaf.crt"), key),
      secret("apps", "db", { password, "tls.key": key }),
      { apiVersion: "v1", kind: "Secret", metadata: { name: "broken", namespace: "apps" }, data: { "tls.key": `${password}!!` } },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "keyonly", namespace: "apps" }, stringData: { "key.pem": key } },
    ]);
    server.forbid.push({ resource: "configmaps" });
    server.faults.push({ action: "500", resource: "nodes", times: 1 });
    const outputs = [
      await run(["scan", "--kubeconfig", kubeconfig, "--format", "json", "--now", fixtureNow.toISOString(), "--kube-qps", "1000"]),
      await run(["scan", "--kubeconfig", kubeconfig, "--format", "table", "--now", fixtureNow.toISOString()]),
      await run(["watch", "--kubeconfig", kubeconfig, "--format", "json", "--once", "--debounce-ms", "10", "--now", fixtureNow.toISOString()]),
    ];
    const keyBody = key.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
    const forbidden = [password, b64(password), ...keyBody, b64(key).slice(0, 40), "test-token", "PRIVATE KEY"];
    for (const o of outputs) {
      for (const s of forbidden) {
        assert.ok(!o.out.includes(s), `stdout leaks ${s.slice(0, 12)}…`);
        assert.ok(!o.err.includes(s), `stderr leaks ${s.slice(0, 12)}…`);
      }
    }
    const report = JSON.parse(outputs[0]!.out) as Report & { keys: Array<{ location: string }> };
    assert.ok(report.keys.some((k) => k.location === "secret:apps/web#tls.key"), "keys are listed (by fingerprint)");
    assert.ok(report.notes.some((n) => n.code === "ERR_SOURCE_FORBIDDEN" && n.location === "kube-api:/api/v1/configmaps#list"));
    assert.ok(report.findings.some((x) => x.rule === "parse-error" && x.locations.includes("secret:apps/broken#tls.key")));
  });

  it("--kube reads the cluster of $KUBECONFIG's current context, combined with --path", async () => {
    const { kubeconfig } = await cluster([tlsSecret("apps", "web", f("chain-ok", "leaf.crt"), f("chain-ok", "leaf.key"))]);
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const { code, out } = await run(["scan", "--kube", "--path", fixturePath("expired"), "--format", "json", "--now", fixtureNow.toISOString(), "--fail-on", "never"]);
      assert.equal(code, 0);
      const locations = (JSON.parse(out) as Report).certificates.flatMap((c) => c.locations);
      assert.ok(locations.includes("secret:apps/web#tls.crt"));
      assert.ok(locations.includes(`file:${fixturePath("expired", "leaf.crt")}`));
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  const usage: Array<{ name: string; args: string[] }> = [
    { name: "a kubeconfig that does not exist", args: ["scan", "--kubeconfig", "/nonexistent/kubeconfig"] },
    { name: "an unknown --context", args: ["scan", "--kubeconfig", fixturePath("kubeconfigs", "admin.conf"), "--context", "no-such-context"] },
    { name: "a bad --kube-qps", args: ["scan", "--kubeconfig", fixturePath("kubeconfigs", "admin.conf"), "--kube-qps", "-3"] },
    { name: "an invalid --namespace", args: ["scan", "--kubeconfig", fixturePath("kubeconfigs", "admin.conf"), "--namespace", "Not_A_Namespace"] },
    { name: "watch without a cluster", args: ["watch", "--path", fixturePath("chain-ok")] },
  ];
  for (const row of usage) {
    it(`exits 2 with one line on stderr for ${row.name}`, async () => {
      const { code, err } = await run(row.args);
      assert.equal(code, 2);
      assert.equal(err.trim().split("\n").length, 1, err);
    });
  }
});
