import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import yaml from "js-yaml";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { RESOURCES } from "./kube-api/resources.js";
import { secret, writeKubeconfig } from "./kube-api/seed.js";
import { runCli } from "./support/cli.js";
import { demoNow, demoPath } from "./support/fixtures.js";

// backup --kube reads the cluster through the real @kubernetes/client-node against the in-repo API server.
describe("certdoctor backup --kube / restore --objects-to", () => {
  const tmp = mkdtempSync(join(tmpdir(), "certdoctor-backup-kube-"));
  let server: KubeApiServer;
  let kubeconfig: { path: string; cleanup: () => void };
  const keyFile = join(tmp, "key");
  const password = "db-password-that-is-not-a-certificate";
  before(async () => {
    server = await startKubeApi();
    for (const file of ["kubeedge.yaml", "webhooks.yaml", "secrets.yaml"]) {
      for (const doc of yaml.loadAll(readFileSync(demoPath("manifests", file), "utf8")) as Array<{ items?: Array<Record<string, unknown>> } & Record<string, unknown>>) {
        for (const o of doc.items ?? [doc]) server.store.put({ ...o, status: { note: "runtime" } });
      }
    }
    server.store.put(secret("app", "db", { password }));
    kubeconfig = writeKubeconfig(server);
    writeFileSync(keyFile, `${"ab".repeat(32)}\n`, { mode: 0o600 });
  });
  after(async () => {
    await server.close();
    kubeconfig.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("keeps every certificate-bearing object, and only those; restore writes them as 0600 manifests a scan reads back", async () => {
    const archive = join(tmp, "cluster.cdbk");
    const b = await runCli(["backup", "--kubeconfig", kubeconfig.path, "--key-file", keyFile, "--output", archive]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /Secret\/kubeedge\/casecret/);
    assert.match(b.out, /Secret\/kubeedge\/cloudcoresecret/);
    assert.match(b.out, /ValidatingWebhookConfiguration\/policy-webhook/);
    assert.doesNotMatch(b.out, /app\/db/);
    assert.doesNotMatch(readFileSync(archive, "latin1"), /casecret|cakeydata|BEGIN/);

    const dir = join(tmp, "objects");
    const dry = await runCli(["restore", archive, "--key-file", keyFile]);
    assert.match(dry.out, /give --objects-to DIR/);
    const r = await runCli(["restore", archive, "--key-file", keyFile, "--objects-to", dir, "--apply"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /kubectl apply --server-side -f /);
    const files = readdirSync(dir).sort();
    assert.ok(files.includes("secret-kubeedge-casecret.json"), files.join(" "));
    for (const f of files) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    const casecret = JSON.parse(readFileSync(join(dir, "secret-kubeedge-casecret.json"), "utf8")) as Record<string, unknown> & { metadata: Record<string, unknown>; data: Record<string, string> };
    assert.deepEqual(Object.keys(casecret.metadata).sort(), ["name", "namespace"]);
    assert.equal(casecret.status, undefined);
    const original = (yaml.load(readFileSync(demoPath("manifests", "kubeedge.yaml"), "utf8")) as { items: Array<{ metadata: { name: string }; data: Record<string, string> }> }).items.find((o) => o.metadata.name === "casecret")!;
    assert.deepEqual(casecret.data, original.data);
    for (const out of [b, dry, r]) {
      assert.ok(!(out.out + out.err).includes(original.data.cakeydata!.slice(0, 40)), "CA key in output");
      assert.ok(!(out.out + out.err).includes(password));
    }

    const rescan = await runCli(["scan", dir, "--now", demoNow.toISOString(), "--format", "json", "--fail-on", "never"]);
    assert.ok(rescan.out.includes("secret:kubeedge/casecret#cadata"), "the restored manifest is a readable dump");
  });

  it("restore --kube server-side applies the objects: into an empty cluster, and over a casecret that was replaced", async () => {
    const archive = join(tmp, "for-apply.cdbk");
    assert.equal((await runCli(["backup", "--kubeconfig", kubeconfig.path, "-n", "kubeedge", "--key-file", keyFile, "--output", archive])).code, 0);
    const secretsDef = RESOURCES.find((d) => d.resource === "secrets")!;
    const secretIn = (s: KubeApiServer, name: string) => s.store.get(secretsDef, "kubeedge", name) as unknown as { data: Record<string, string> } | undefined;
    const casecret = () => secretIn(server, "casecret")!;
    const original = { ...casecret().data };

    const empty = await startKubeApi();
    const emptyKc = writeKubeconfig(empty);
    try {
      const dry = await runCli(["restore", archive, "--key-file", keyFile, "--kubeconfig", emptyKc.path]);
      assert.equal(dry.code, 0, dry.err);
      assert.match(dry.out, /apply {5}object {2}Secret\/kubeedge\/casecret/);
      assert.equal(secretIn(empty, "casecret"), undefined, "a dry run applies nothing");
      const r = await runCli(["restore", archive, "--key-file", keyFile, "--kubeconfig", emptyKc.path, "--apply"]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /applied 2 Kubernetes objects \(server-side apply, field manager certdoctor\)/);
      assert.deepEqual(secretIn(empty, "casecret")?.data, original);
      assert.ok(secretIn(empty, "cloudcoresecret") !== undefined);
      const patches = empty.requests.filter((q) => q.verb === "patch");
      assert.equal(patches.length, 2);
      assert.ok(patches.every((q) => q.query.fieldManager === "certdoctor" && q.query.force === "true"));
      assert.ok(!(r.out + r.err).includes(original.cakeydata!.slice(0, 40)));
    } finally {
      await empty.close();
      emptyKc.cleanup();
    }

    // CloudCore re-created its CA: put the backed-up one back.
    server.store.put({ ...(casecret() as unknown as Record<string, unknown>), data: { cadata: "AAAA", cakeydata: "AAAA" } });
    const back = await runCli(["restore", archive, "--key-file", keyFile, "--kubeconfig", kubeconfig.path, "--apply"]);
    assert.equal(back.code, 0, back.out + back.err);
    assert.deepEqual(casecret().data, original);
  });

  it("--namespace limits the objects to those namespaces", async () => {
    const archive = join(tmp, "kubeedge.cdbk");
    const b = await runCli(["backup", "--kubeconfig", kubeconfig.path, "-n", "kubeedge", "--key-file", keyFile, "--output", archive]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /backed up 2 Kubernetes objects: Secret\/kubeedge\/casecret, Secret\/kubeedge\/cloudcoresecret/);
  });
});
