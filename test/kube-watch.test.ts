import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { main } from "../src/cli/main.js";
import type { CliIO } from "../src/cli/io.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { tlsSecret, writeKubeconfig } from "./kube-api/seed.js";
import { fixtureNow, fixturePath } from "./support/fixtures.js";

const f = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");
const GOOD = () => tlsSecret("apps", "good", f("chain-ok", "fullchain.pem"), f("chain-ok", "leaf.key"), f("chain-ok", "root-ca.crt"));
const EXPIRED = () => tlsSecret("apps", "old", f("expired", "leaf.crt"), f("expired", "leaf.key"), f("expired", "ca.crt"));

interface Line {
  type: string;
  finding?: { rule: string; locations: string[] };
  relists410?: number;
  reconnects?: number;
}

/** Runs `certdoctor watch` in-process; `lines()` are the JSON lines printed so far. */
function startWatch(kubeconfig: string, extra: string[] = []) {
  let out = "";
  const io: CliIO = { stdout: (t) => void (out += t), stderr: () => undefined, isTTY: false, columns: 80, color: false, cwd: process.cwd() };
  const done = main(["watch", "--kubeconfig", kubeconfig, "--format", "json", "--now", fixtureNow.toISOString(), "--debounce-ms", "50", "--max-duration", "60", ...extra], io);
  const lines = (): Line[] => out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Line);
  const waitFor = async (pred: (ls: Line[]) => boolean, what: string): Promise<Line[]> => {
    for (let i = 0; i < 300; i++) {
      if (pred(lines())) return lines();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}; got:\n${out}`);
  };
  return { done, lines, waitFor, output: () => out };
}

const appeared = (ls: Line[], rule: string, loc: string) => ls.some((l) => l.type === "appeared" && l.finding?.rule === rule && l.finding.locations.includes(loc));
const cleared = (ls: Line[], rule: string, loc: string) => ls.some((l) => l.type === "cleared" && l.finding?.rule === rule && l.finding.locations.includes(loc));

describe("certdoctor watch against the test API server", () => {
  const servers: KubeApiServer[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const c of cleanups) c();
  });
  async function setup(): Promise<{ server: KubeApiServer; kubeconfig: string }> {
    const server = await startKubeApi({ bookmarkIntervalMs: 200 });
    servers.push(server);
    server.store.put(GOOD());
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    return { server, kubeconfig: kc.path };
  }
  const waitWatching = async (server: KubeApiServer, n: number) => {
    for (let i = 0; i < 200 && server.watchCount < n; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(server.watchCount >= n, `watches open: ${server.watchCount}`);
  };

  it("sees a Secret added and removed while the watch connection was down (no data loss), then stops on SIGTERM", async () => {
    const { server, kubeconfig } = await setup();
    const w = startWatch(kubeconfig);
    await w.waitFor((ls) => ls.some((l) => l.type === "synced"), "the first diagnosis");
    await waitWatching(server, 8);
    server.faults.push({ action: "drop", verb: "watch", resource: "secrets", times: 2 });
    server.dropWatches();
    server.store.put(EXPIRED());
    await w.waitFor((ls) => appeared(ls, "cert-expired", "secret:apps/old#tls.crt"), "cert-expired to appear");
    await waitWatching(server, 8);
    server.dropWatches();
    server.store.delete("v1", "Secret", "apps", "old");
    await w.waitFor((ls) => cleared(ls, "cert-expired", "secret:apps/old#tls.crt"), "cert-expired to clear");
    process.emit("SIGTERM");
    assert.equal(await w.done, 0);
    const stopped = w.lines().find((l) => l.type === "stopped");
    assert.ok(stopped && (stopped.reconnects ?? 0) >= 2, JSON.stringify(stopped));
    assert.equal(stopped.relists410, 0, "resumed from the resourceVersion, no relist needed");
  });

  it("relists after 410 Gone when its resourceVersion was compacted during a disconnect", async () => {
    const { server, kubeconfig } = await setup();
    const w = startWatch(kubeconfig);
    await w.waitFor((ls) => ls.some((l) => l.type === "synced"), "the first diagnosis");
    await waitWatching(server, 8);
    server.faults.push({ action: "drop", verb: "watch", resource: "secrets", times: 1 });
    server.dropWatches();
    server.store.put(EXPIRED());
    server.store.compact();
    await w.waitFor((ls) => appeared(ls, "cert-expired", "secret:apps/old#tls.crt"), "cert-expired after the relist");
    process.emit("SIGINT");
    assert.equal(await w.done, 0);
    const stopped = w.lines().find((l) => l.type === "stopped");
    assert.ok(stopped && (stopped.relists410 ?? 0) >= 1, JSON.stringify(stopped));
    assert.ok(server.requests.some((r) => r.verb === "list" && r.resource === "secrets" && r.status === 200 && server.requests.indexOf(r) > 20), "a second list of Secrets");
  });

  it("a watch stream cut mid-flight while Secrets change loses nothing", async () => {
    const { server, kubeconfig } = await setup();
    const w = startWatch(kubeconfig);
    await w.waitFor((ls) => ls.some((l) => l.type === "synced"), "the first diagnosis");
    await waitWatching(server, 8);
    // the next Secrets watch delivers one event, then its connection dies mid-stream
    server.faults.push({ action: "drop-watch", verb: "watch", resource: "secrets", afterEvents: 1, times: 1 });
    server.dropWatches();
    const old = (name: string) => ({ ...EXPIRED(), metadata: { name, namespace: "apps" } });
    server.store.put(old("old-1"));
    server.store.put(old("old-2"));
    server.store.put(old("old-3"));
    await w.waitFor((ls) => ["old-1", "old-2", "old-3"].every((n) => appeared(ls, "cert-expired", `secret:apps/${n}#tls.crt`)), "all three changes");
    process.emit("SIGTERM");
    assert.equal(await w.done, 0);
    assert.ok(server.requests.some((r) => r.verb === "watch" && r.status === -1), "a watch was cut");
  });

  it("rejected credentials end the watch with exit code 2", async () => {
    const { server } = await setup();
    const kc = writeKubeconfig(server, "revoked-token");
    cleanups.push(kc.cleanup);
    const w = startWatch(kc.path);
    assert.equal(await w.done, 2);
  });

  it("table format prints each appeared finding with its rule id and location", async () => {
    const { server, kubeconfig } = await setup();
    server.store.put(EXPIRED());
    let out = "";
    const io: CliIO = { stdout: (t) => void (out += t), stderr: () => undefined, isTTY: false, columns: 80, color: false, cwd: process.cwd() };
    const code = await main(["watch", "--kubeconfig", kubeconfig, "--format", "table", "--once", "--debounce-ms", "10", "--now", fixtureNow.toISOString(), "--path", fixturePath("expired")], io);
    assert.equal(code, 0);
    const line = out.split("\n").find((l) => l.includes(" cert-expired "));
    assert.ok(line, out);
    assert.ok(out.includes("secret:apps/old#tls.crt"));
    assert.ok(out.includes(`file:${fixturePath("expired", "leaf.crt")}`), "--path files are diagnosed together with the cluster");
  });

  it("--once prints the first diagnosis and exits", async () => {
    const { kubeconfig } = await setup();
    const w = startWatch(kubeconfig, ["--once"]);
    assert.equal(await w.done, 0);
    assert.deepEqual(w.lines().map((l) => l.type).filter((t) => t !== "appeared"), ["synced", "stopped"]);
  });

  it("--fail-on: the exit code says whether open findings reach the level when the watch stops", async () => {
    const { server, kubeconfig } = await setup();
    server.store.put(EXPIRED());
    assert.equal(await startWatch(kubeconfig, ["--once", "--fail-on", "critical"]).done, 1);
    assert.equal(await startWatch(kubeconfig, ["--once"]).done, 0, "default never: a watch is not a gate");
  });

  it("a cluster lost for several watches is a source-unavailable finding until a watch connects again", async () => {
    const { server, kubeconfig } = await setup();
    const w = startWatch(kubeconfig);
    await w.waitFor((ls) => ls.some((l) => l.type === "synced"), "the first diagnosis");
    await waitWatching(server, 8);
    server.faults.push({ action: "drop", verb: "watch", resource: "secrets", times: 4 });
    server.dropWatches();
    await w.waitFor((ls) => appeared(ls, "source-unavailable", "kube-api:/api/v1/secrets#watch"), "the lost Secrets watch to be reported");
    await w.waitFor((ls) => cleared(ls, "source-unavailable", "kube-api:/api/v1/secrets#watch"), "the finding to clear once the watch is back");
    process.emit("SIGTERM");
    assert.equal(await w.done, 0);
  });
});
