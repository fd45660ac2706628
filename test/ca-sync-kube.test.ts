import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import yaml from "js-yaml";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { writeKubeconfig } from "./kube-api/seed.js";
import { runCli } from "./support/cli.js";
import { demoPath } from "./support/fixtures.js";

// The source Secret read live through @kubernetes/client-node (the in-repo API server), the edge from files.
describe("fix ca-sync --kube", () => {
  const tmp = mkdtempSync(join(tmpdir(), "certdoctor-ca-sync-kube-"));
  let server: KubeApiServer;
  let kubeconfig: { path: string; cleanup: () => void };
  before(async () => {
    server = await startKubeApi();
    const list = yaml.load(readFileSync(demoPath("manifests", "kubeedge.yaml"), "utf8")) as { items: Array<Record<string, unknown>> };
    for (const o of list.items) server.store.put(o);
    kubeconfig = writeKubeconfig(server);
    cpSync(demoPath("edge-2"), join(tmp, "edge-3"), { recursive: true });
    cpSync(demoPath("edge-1", "etc", "kubeedge", "ca", "rootCA.crt"), join(tmp, "edge-3", "etc", "kubeedge", "ca", "rootCA.crt"));
  });
  after(async () => {
    await server.close();
    kubeconfig.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("reads casecret from the API, checks CloudCore's live serving certificate, and applies", async () => {
    const target = join(tmp, "edge-3", "etc", "kubeedge", "ca", "rootCA.crt");
    const args = ["fix", "ca-sync", "--from", "secret:kubeedge/casecret#cadata", "--kubeconfig", kubeconfig.path, "--path", join(tmp, "edge-3"), "--to", target, "--now", "2026-12-01T00:00:00Z"];
    const dry = await runCli(args);
    assert.equal(dry.code, 0, dry.out + dry.err);
    assert.match(dry.out, /secret:kubeedge\/cloudcoresecret#cloudcoredata .*FAILS {2}-> {2}verifies/);
    const apply = await runCli([...args, "--apply"]);
    assert.equal(apply.code, 0, apply.out + apply.err);
    assert.match(apply.out, /verified: 1 target now holds CN=KubeEdge/);
    const reads = server.requests.filter((r) => r.resource === "secrets");
    assert.ok(reads.length > 0 && reads.every((r) => r.namespace === "kubeedge"), "reads only the source's namespace");
  });

  it("a Secret ref that is not in the cluster is exit 2 naming it", async () => {
    const r = await runCli(["fix", "ca-sync", "--from", "secret:kubeedge/nope#cadata", "--kubeconfig", kubeconfig.path, "--path", join(tmp, "edge-3"), "--to", join(tmp, "edge-3", "etc", "kubeedge", "ca", "rootCA.crt")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no certificate at secret:kubeedge\/nope#cadata/);
  });
});
