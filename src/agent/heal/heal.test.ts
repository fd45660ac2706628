import assert from "node:assert/strict";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { scanNode } from "../scan-node.js";
import { runHealPass } from "./heal.js";
import { Journal } from "./journal.js";
import { kubeletClientSymlink } from "./kubelet-client-symlink.js";
import { parseHealPolicy } from "./policy.js";
import type { HealContext, Repair } from "./types.js";

const now = new Date("2026-12-01T00:00:00Z");
const here = new URL(".", import.meta.url).pathname;
const demoWorker = join(here, "../../../../demo/cluster/worker-1");
const CURRENT = "var/lib/kubelet/pki/kubelet-client-current.pem";

describe("heal pass: back-off and failures", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  function setup() {
    const dir = mkdtempSync(join(tmpdir(), "certdoctor-heal-pass-"));
    dirs.push(dir);
    const root = join(dir, "node");
    cpSync(demoWorker, root, { recursive: true });
    mkdirSync(join(dir, "proc"));
    const scanOnce = () => scanNode({ root, procDir: join(dir, "proc"), now, warnDays: 30, critDays: 7, nodeName: "worker-1", version: "test" }).then((s) => s.result);
    const ctx: HealContext = { root, now, policy: parseHealPolicy({ repairs: { "kubelet-client-symlink": {} } }) };
    return { dir, root, scanOnce, ctx, journal: Journal.open(join(dir, "state")) };
  }

  it("an action that fails verification is never repeated: the next pass backs off and writes nothing", async () => {
    const { root, scanOnce, ctx, journal } = setup();
    const unverifiable: Repair = { ...kubeletClientSymlink, verify: () => ({ ok: false, cleared: [], remaining: ["kubelet-rotation-blocked"], detail: "the rescan still reports kubelet-rotation-blocked" }) };
    const first = await runHealPass(await scanOnce(), ctx, { dryRun: false, journal, repairs: [unverifiable] }, scanOnce);
    const e = first.report.events[0]!;
    assert.equal(e.outcome, "verification-failed");
    assert.match(e.message, new RegExp(`--undo ${e.id}`));
    assert.equal(journal.find(e.id!)?.state, "verification-failed");
    // Put the regular file back by hand: the same situation (same file, same certificate) must not be retried.
    const undo = journal.find(e.id!)!.undo[0]!;
    assert.equal(undo.op, "move-back");
    rmSync(join(root, CURRENT));
    cpSync(join(demoWorker, CURRENT), join(root, CURRENT));
    const second = await runHealPass(await scanOnce(), { ...ctx, now: new Date("2026-12-05T00:00:00Z") }, { dryRun: false, journal: Journal.open(journal.dir), repairs: [unverifiable] }, scanOnce);
    assert.equal(second.report.events[0]!.outcome, "backed-off");
    assert.equal(second.report.events[0]!.id, e.id);
    assert.ok(lstatSync(join(root, CURRENT)).isFile(), "nothing written");
    assert.equal(second.rescan, undefined);
  });

  it("a failure before the first write leaves the old file; the journal says failed and the next pass may try again", async () => {
    const { root, scanOnce, ctx, journal } = setup();
    const before = readFileSync(join(root, CURRENT));
    const pass = await runHealPass(await scanOnce(), ctx, { dryRun: false, journal, hooks: { beforeWrite: () => { throw Object.assign(new Error("disk full"), { code: "ENOSPC" }); } } }, scanOnce);
    const e = pass.report.events[0]!;
    assert.equal(e.outcome, "failed");
    assert.match(e.message, /ENOSPC/);
    assert.equal(journal.find(e.id!)?.state, "failed");
    assert.ok(lstatSync(join(root, CURRENT)).isFile());
    assert.ok(readFileSync(join(root, CURRENT)).equals(before));
    const retry = await runHealPass(await scanOnce(), ctx, { dryRun: false, journal }, scanOnce);
    assert.equal(retry.report.events[0]!.outcome, "healed");
  });

  it("a journal that is not one is a config error, never silently replaced", () => {
    const { dir } = setup();
    const state = join(dir, "bad-state");
    mkdirSync(state);
    for (const body of ["{not json", JSON.stringify({ version: 2, entries: [] }), JSON.stringify({ version: 1, entries: [{ id: "x" }] })]) {
      writeFileSync(join(state, "journal.json"), body);
      assert.throws(() => Journal.open(state), (err: unknown) => (err as { code?: string }).code === "ERR_CONFIG_INVALID");
    }
  });
});
