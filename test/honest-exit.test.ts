import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { writeKubeconfig } from "./kube-api/seed.js";
import { runCli } from "./support/cli.js";
import { refusedPort } from "./support/tls-servers.js";

/** Never green when nothing was read: a requested source that cannot be read at all is exit 2 naming it. */
describe("a source that could not be read at all is exit 2", () => {
  const tmp = mkdtempSync(join(tmpdir(), "certdoctor-honest-"));
  let api: KubeApiServer;
  let deadPort: number;
  before(async () => {
    api = await startKubeApi();
    deadPort = await refusedPort();
  });
  after(async () => {
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("--kube with no kubeconfig anywhere names the problem instead of scanning localhost:8080", async () => {
    const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, HOST: process.env.KUBERNETES_SERVICE_HOST };
    process.env.HOME = tmp;
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      const r = await runCli(["scan", "--kube"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /^certdoctor: ERR_CONFIG_INVALID: no kubeconfig: \$KUBECONFIG is not set and .*\.kube\/config does not exist/);
    } finally {
      for (const [k, v] of Object.entries({ HOME: saved.HOME, KUBECONFIG: saved.KUBECONFIG, KUBERNETES_SERVICE_HOST: saved.HOST })) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("an API that does not answer: exit 2 after --kube-timeout, naming the server and context", async () => {
    const kubeconfig = join(tmp, "dead.kubeconfig");
    writeFileSync(kubeconfig, api.kubeconfig().replace(api.url, `https://127.0.0.1:${deadPort}`));
    const started = Date.now();
    const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--kube-timeout", "2s"]);
    const took = Date.now() - started;
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`^certdoctor: ERR_SOURCE_UNAVAILABLE: cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${deadPort} \\(context test\\): ECONNREFUSED`));
    // The lower bound is the point (it retried rather than failing at once); the upper one only says it did not hang:
    // a CLI start on a loaded 2-core machine alone has taken over 10 s.
    assert.ok(took >= 1500 && took < 45_000, `retried for about the timeout, took ${took} ms`);
    assert.equal(r.out, "", "no report of nothing");
  });

  it("watch fails the same way on start-up", async () => {
    const kubeconfig = join(tmp, "dead-watch.kubeconfig");
    writeFileSync(kubeconfig, api.kubeconfig().replace(api.url, `https://127.0.0.1:${deadPort}`));
    const r = await runCli(["watch", "--kubeconfig", kubeconfig, "--kube-timeout", "1s"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_SOURCE_UNAVAILABLE: cannot reach/);
  });

  it("rejected credentials: exit 2 at once", async () => {
    const kc = writeKubeconfig(api, "wrong-token");
    try {
      const r = await runCli(["scan", "--kubeconfig", kc.path]);
      assert.equal(r.code, 2);
      assert.match(r.err, /ERR_CONFIG_INVALID: the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+ \(context test\) rejected the credentials \(HTTP 401\)/);
      assert.ok(!r.err.includes("wrong-token"), "the token is never printed");
    } finally {
      kc.cleanup();
    }
  });

  it("a cluster that answers but holds nothing is the empty-scan case, and the header names it", async () => {
    const kc = writeKubeconfig(api);
    try {
      const r = await runCli(["scan", "--kubeconfig", kc.path, "--format", "table"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /ERR_SCAN_EMPTY: no certificate found in cluster https:\/\/127\.0\.0\.1:\d+ \(context test\)/);
      assert.match(r.out, /^certdoctor: scanned cluster https:\/\/127\.0\.0\.1:\d+ \(context test\)\n/);
      assert.equal((await runCli(["scan", "--kubeconfig", kc.path, "--allow-empty"])).code, 0);
    } finally {
      kc.cleanup();
    }
  });

  it("every endpoint unreachable: exit 2 after the report", async () => {
    const r = await runCli(["scan", "--endpoint", `127.0.0.1:${deadPort}`, "--format", "json"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_SOURCE_UNAVAILABLE: none of the 1 endpoints answered with TLS \(ECONNREFUSED\)/);
    assert.ok(JSON.parse(r.out).findings.some((f: { rule: string }) => f.rule === "endpoint-unreachable"), "the report is still written");
  });
});
