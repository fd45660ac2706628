import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { KINDS } from "../src/sources/kubernetes/kinds.js";
import { RbacPolicy } from "./kube-api/rbac.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { secret, tlsSecret, writeKubeconfig } from "./kube-api/seed.js";
import { findRepoRoot, fixtureNow, fixturePath } from "./support/fixtures.js";
import { runWatch, type WatchFlags } from "../src/cli/commands/watch.js";
import { quietIO, runCli } from "./support/cli.js";

const root = findRepoRoot();
const f = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");

const run = (args: string[]) => runCli(args, { cwd: root });

describe("deploy/rbac*.yaml cover every API call certdoctor makes (enforced by the test API server)", () => {
  const servers: KubeApiServer[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const c of cleanups) c();
  });
  async function enforcing(policy: RbacPolicy): Promise<{ server: KubeApiServer; kubeconfig: string }> {
    const server = await startKubeApi({ policy, bookmarkIntervalMs: 100 });
    servers.push(server);
    server.store.enabledOptional.add("cert-manager.io");
    for (const ns of ["team-a", "team-b", "other"]) server.store.put(tlsSecret(ns, "web", f("chain-ok", "leaf.crt"), f("chain-ok", "leaf.key"), f("chain-ok", "root-ca.crt")));
    server.store.put({ apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "web", namespace: "team-a" }, spec: { secretName: "web", issuerRef: { name: "ca" } } });
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    return { server, kubeconfig: kc.path };
  }

  it("cluster-wide: scan reads every kind with deploy/rbac.yaml and nothing is refused", async () => {
    const { server, kubeconfig } = await enforcing(RbacPolicy.fromFiles([`${root}/deploy/rbac.yaml`]));
    const { out } = await run(["scan", "--kubeconfig", kubeconfig, "--format", "json", "--now", fixtureNow.toISOString()]);
    const report = JSON.parse(out) as { notes: Array<{ code: string }>; findings: Array<{ rule: string }> };
    assert.deepEqual(server.requests.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`), []);
    assert.ok(!report.findings.some((x) => x.rule === "source-forbidden"));
    const listed = new Set(server.resourceRequests().map((r) => r.resource));
    for (const k of KINDS) assert.ok(listed.has(k.resource), `${k.resource} was read`);
    assert.ok(server.resourceRequests().every((r) => ["get", "list", "watch"].includes(r.verb)), "read-only");
  });

  it("cluster-wide: watch (list + watch of every kind) is allowed too", async () => {
    const { server, kubeconfig } = await enforcing(RbacPolicy.fromFiles([`${root}/deploy/rbac.yaml`]));
    // Stop as soon as every kind is watched (a fixed second was too short on a loaded machine).
    const watchedNow = () => new Set(server.resourceRequests().filter((r) => r.verb === "watch").map((r) => r.resource));
    const stop = new AbortController();
    const poll = setInterval(() => KINDS.every((k) => watchedNow().has(k.resource)) && stop.abort(), 20);
    const flags: WatchFlags = { kubeconfig, path: [], format: "json", warnDays: "30", critDays: "7", debounceMs: "10", maxDuration: "120", now: fixtureNow.toISOString() };
    const code = await runWatch(flags, quietIO(root), stop.signal).finally(() => clearInterval(poll));
    assert.equal(code, 0);
    assert.deepEqual(server.requests.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`), []);
    const watched = new Set(server.resourceRequests().filter((r) => r.verb === "watch").map((r) => r.resource));
    for (const k of KINDS) assert.ok(watched.has(k.resource), `${k.resource} was watched`);
  });

  it("a policy without Secrets is refused and reported as source-forbidden (the check can fail)", async () => {
    const text = readFileSync(`${root}/deploy/rbac.yaml`, "utf8").replace('resources: ["secrets", "configmaps", "nodes"]', 'resources: ["configmaps", "nodes"]');
    const { server, kubeconfig } = await enforcing(RbacPolicy.fromYaml([text]));
    const { out } = await run(["scan", "--kubeconfig", kubeconfig, "--format", "json", "--now", fixtureNow.toISOString()]);
    const report = JSON.parse(out) as { findings: Array<{ rule: string; locations: string[] }> };
    assert.deepEqual(report.findings.filter((x) => x.rule === "source-forbidden").map((x) => x.locations[0]), ["kube-api:/api/v1/secrets#list"]);
    assert.ok(server.requests.some((r) => r.status === 403));
  });

  it("--namespace mode works with only the namespaced Role, and makes no cluster-wide call", async () => {
    const policy = RbacPolicy.fromFiles([`${root}/deploy/rbac-namespaced.yaml`], (ns) => (ns === "team-a" ? ["team-a", "team-b"] : [ns]));
    const { server, kubeconfig } = await enforcing(policy);
    server.store.put(secret("team-b", "opaque", { password: "x" }));
    const { out } = await run(["scan", "--kubeconfig", kubeconfig, "--namespace", "team-a,team-b", "--format", "json", "--now", fixtureNow.toISOString()]);
    const report = JSON.parse(out) as { certificates: Array<{ locations: string[] }>; notes: Array<{ code: string }> };
    assert.deepEqual(server.requests.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`), []);
    // the only non-namespaced calls are "may I list/watch X?" reviews (create selfsubjectaccessreviews), never a list
    for (const r of server.resourceRequests()) assert.ok(r.namespace === "team-a" || r.namespace === "team-b" || (r.resource === "selfsubjectaccessreviews" && r.verb === "create"), `${r.verb} ${r.path} is namespaced`);
    const locations = report.certificates.flatMap((c) => c.locations);
    assert.ok(locations.includes("secret:team-b/web#tls.crt"));
    assert.ok(!locations.some((l) => l.startsWith("secret:other/")));
    assert.ok(report.notes.some((n) => n.code === "ERR_SOURCE_SKIPPED"));
  });
});
