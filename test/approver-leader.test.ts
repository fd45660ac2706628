import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeApproverApi } from "../src/controller/kube-api.js";
import { LeaderElector, type LeaderOptions } from "../src/controller/leader.js";
import { writeKubeconfig } from "./kube-api/seed.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";

const LEASE = { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true };
const FAST = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 150 };

describe("approver leader election over a Lease (real client-node)", () => {
  let server: KubeApiServer;
  let api: KubeApproverApi;
  let cleanup: () => void;
  before(async () => {
    server = await startKubeApi();
    const file = writeKubeconfig(server);
    cleanup = file.cleanup;
    const kc = new KubeConfig();
    kc.loadFromFile(file.path);
    api = new KubeApproverApi(kc);
  });
  after(async () => {
    await server.close();
    cleanup();
  });
  const elector = (identity: string, name: string, extra: Partial<LeaderOptions> = {}) => new LeaderElector(api, { namespace: "certdoctor", name, identity, ...FAST, log: () => undefined, ...extra });
  const holder = (name: string) => (server.store.get(LEASE, "certdoctor", name)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  const until = async (what: string, pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(pred(), `timed out waiting for ${what}`);
  };

  it("one replica leads; the other waits, and takes over as soon as the leader releases the Lease", async () => {
    const a = elector("a", "l1");
    const b = elector("b", "l1");
    const stopA = new AbortController();
    const stopB = new AbortController();
    const working: string[] = [];
    const work = (who: string) => async (leading: AbortSignal) => {
      working.push(`${who}+`);
      await new Promise<void>((r) => leading.addEventListener("abort", () => r(), { once: true }));
      working.push(`${who}-`);
    };
    const runA = a.run(stopA.signal, work("a"));
    await until("a leads", () => working.includes("a+"));
    const runB = b.run(stopB.signal, work("b"));
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(working, ["a+"], "b must not lead while a renews");
    assert.equal(holder("l1"), "a");
    stopA.abort();
    await runA;
    await until("b leads", () => working.includes("b+"));
    assert.deepEqual(working, ["a+", "a-", "b+"]);
    assert.equal(holder("l1"), "b");
    stopB.abort();
    await runB;
    assert.equal(holder("l1"), "", "released on shutdown");
  });

  it("a leader whose Lease was taken (another holder renewing) stops working", async () => {
    const a = elector("a", "l2");
    const stop = new AbortController();
    let lost = false;
    const run = a.run(stop.signal, async (leading) => {
      await new Promise<void>((r) => leading.addEventListener("abort", () => r(), { once: true }));
      lost = true;
    });
    await until("a holds l2", () => holder("l2") === "a");
    const current = server.store.get(LEASE, "certdoctor", "l2")!;
    server.store.put({ ...current, spec: { ...(current.spec as object), holderIdentity: "intruder", renewTime: new Date().toISOString() } });
    await until("a stops", () => lost);
    stop.abort();
    await run;
  });

  it("a stale resourceVersion loses the race: 409 means someone else won", async () => {
    const a = elector("a", "l3");
    const b = elector("b", "l3");
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false, "held and fresh");
    const lease = await api.readLease("certdoctor", "l3");
    await api.replaceLease("certdoctor", "l3", lease!);
    await assert.rejects(api.replaceLease("certdoctor", "l3", lease!), (e: unknown) => (e as { failure?: string }).failure === "conflict");
  });

  it("rejects timings where a lost leader could overlap a new one", () => {
    assert.throws(() => elector("a", "l4", { renewDeadlineMs: 2000, leaseDurationMs: 1500 }), RangeError);
  });
});
