/**
 * Two `certdoctor serve --leader-elect` processes on one PostgreSQL against the test API server (real
 * client-node, Leases with resourceVersion conflicts): exactly one scans and writes, the other serves
 * the API from the shared store and refuses to scan (409 ERR_NOT_LEADER); killed without a goodbye
 * (SIGKILL), the leader is replaced within the lease duration; stopped with SIGTERM, the Lease is released.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { secret, writeKubeconfig } from "./kube-api/seed.js";
import { runCli } from "./support/cli.js";
import { eventually, http } from "./support/http.js";
import { startServeProcess, type ServeProcess } from "./support/serve-process.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";

const LEASE = { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true };
const LEASE_MS = 3000;
const TIMING = ["--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "200ms"];

type Replica = ServeProcess;

const children: ChildProcess[] = [];

async function serve(args: string[]): Promise<Replica> {
  const replica = await startServeProcess(args, { ...process.env, POD_NAMESPACE: "" });
  children.push(replica.proc);
  return replica;
}

interface Status {
  leader: boolean;
  lastScanId?: number;
}
const status = async (r: Replica) => (await http(`${r.url}/api/v1/status`)).json<Status>();
const scanIds = (r: Replica) => r.err().split("\n").filter((l) => l.includes('"scan recorded"')).map((l) => (JSON.parse(l) as { scanId: number }).scanId);
const recorded = (r: Replica) => scanIds(r).length;

describe("certdoctor serve --leader-elect: two replicas, one PostgreSQL, one Lease", () => {
  let api: KubeApiServer;
  let pg: TestPostgres;
  let base: string[];
  const cleanups: Array<() => unknown> = [];
  before(async () => {
    api = await startKubeApi({ bookmarkIntervalMs: 200 });
    api.store.put(secret("apps", "plain", { note: "not a certificate" }));
    const kc = writeKubeconfig(api);
    cleanups.push(kc.cleanup);
    pg = await startPostgres();
    const db = await pg.createDatabase();
    base = ["--kubeconfig", kc.path, "--database", db, "--listen", "127.0.0.1:0", "--no-auth", "--interval", "1s", "--debounce-ms", "50", "--leader-elect", "--leader-elect-namespace", "certdoctor", ...TIMING];
  });
  after(async () => {
    for (const c of children) c.kill("SIGKILL");
    for (const c of cleanups) await c();
    await api.close();
    await pg.stop();
  });
  const holder = () => (api.store.get(LEASE, "certdoctor", "certdoctor-serve")?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;

  it("exactly one replica scans; SIGKILL hands over within the lease duration; SIGTERM releases the Lease", async () => {
    const a = await serve(base);
    await eventually(async () => ((await status(a)).leader && recorded(a) > 0 ? true : undefined), 20_000, "a leads and records a scan");
    const b = await serve(base);
    // b follows: for longer than a lease duration it never leads, never writes, and reads a's scans
    const followUntil = Date.now() + LEASE_MS + 500;
    while (Date.now() < followUntil) {
      assert.equal((await status(b)).leader, false, "b must not lead while a renews");
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(recorded(b), 0, "a follower writes no scan");
    const [sa, sb] = [await status(a), await status(b)];
    assert.ok(sa.lastScanId !== undefined && sb.lastScanId !== undefined && sb.lastScanId >= 1, "b serves the shared store's scans");
    const refused = await http(`${b.url}/api/v1/scans`, { method: "POST" });
    assert.equal(refused.status, 409);
    assert.equal(refused.json<{ error: { code: string } }>().error.code, "ERR_NOT_LEADER");
    assert.match(holder() ?? "", /_/);
    const aIdentity = holder();

    // a dies without releasing: b acquires once a's renewal is older than the lease duration
    a.proc.kill("SIGKILL");
    const killedAt = Date.now();
    await a.exited;
    await eventually(async () => ((await status(b)).leader ? true : undefined), 20_000, "b takes over");
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs <= LEASE_MS + 1500, `takeover took ${tookMs} ms; lease duration ${LEASE_MS} ms`);
    assert.notEqual(holder(), aIdentity);
    await eventually(async () => (recorded(b) > 0 ? true : undefined), 20_000, "b records a scan");
    const scans = await status(b);
    assert.ok((scans.lastScanId ?? 0) > (sa.lastScanId ?? 0), "b's scans continue the shared history");
    const all = [...scanIds(a), ...scanIds(b)];
    assert.equal(new Set(all).size, all.length, "no scan written twice");
    assert.ok(Math.max(...scanIds(a)) < Math.min(...scanIds(b)), "b wrote only after a stopped");

    // SIGTERM: b steps down, releases the Lease (holder cleared) and exits 0
    b.proc.kill("SIGTERM");
    assert.equal(await b.exited, 0);
    assert.equal(holder(), "", "released on SIGTERM");
  });

  it("a leader whose Lease another holder takes and renews stops scanning within the renew deadline and serves as a follower", async () => {
    const name = "taken";
    const c = await serve([...base, "--leader-elect-name", name]);
    await eventually(async () => ((await status(c)).leader && recorded(c) > 0 ? true : undefined), 20_000, "c leads");
    const current = api.store.get(LEASE, "certdoctor", name)!;
    // another holder renews it: c reads a fresh foreign holder (or its replace answers 409 on a stale resourceVersion)
    const intruder = setInterval(() => {
      const l = api.store.get(LEASE, "certdoctor", name)!;
      api.store.put({ ...l, spec: { ...(l.spec as object), holderIdentity: "intruder", renewTime: new Date().toISOString() } });
    }, 100);
    cleanups.push(() => clearInterval(intruder));
    api.store.put({ ...current, spec: { ...(current.spec as object), holderIdentity: "intruder", renewTime: new Date().toISOString() } });
    const takenAt = Date.now();
    await eventually(async () => ((await status(c)).leader ? undefined : true), 20_000, "c steps down");
    assert.ok(Date.now() - takenAt <= 2000 + 1000, "within the renew deadline");
    assert.match(c.err(), /lost Lease certdoctor\/taken; scanning stopped/);
    const settled = recorded(c);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(recorded(c), settled, "no scan written after stepping down");
    assert.equal((await http(`${c.url}/api/v1/scans`, { method: "POST" })).status, 409);
    clearInterval(intruder);
    c.proc.kill("SIGTERM");
    assert.equal(await c.exited, 0);
    assert.equal((api.store.get(LEASE, "certdoctor", name)?.spec as { holderIdentity?: string }).holderIdentity, "intruder", "not released: it was not c's");
  });

  for (const row of [
    { name: "without a cluster to take the Lease from", args: ["--leader-elect"], want: /--leader-elect takes its Lease from the cluster/ },
    { name: "with a renew deadline not shorter than the lease duration", args: ["--leader-elect", "--kubeconfig", "KC", "--leader-elect-lease-duration", "5s", "--leader-elect-renew-deadline", "5s"], want: /retry-period < .*renew-deadline < .*lease-duration/ },
  ]) {
    it(`refuses --leader-elect ${row.name} (exit 2, before anything starts)`, async () => {
      const kc = writeKubeconfig(api);
      cleanups.push(kc.cleanup);
      const r = await runCli(["serve", "--no-auth", "--listen", "127.0.0.1:0", "--database", "/nonexistent/dir/x.db", ...row.args.map((a) => (a === "KC" ? kc.path : a))]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, row.want);
    });
  }
});
