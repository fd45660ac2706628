import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { demoPath, findRepoRoot } from "./support/fixtures.js";
import { makeHealNode, snapshotTree } from "./support/heal-node.js";

const PKI = "var/lib/kubelet/pki";
const CURRENT = `${PKI}/kubelet-client-current.pem`;
const DATED = `${PKI}/kubelet-client-2026-12-01-00-00-00.pem`;
const POLICY = "repairs:\n  kubelet-client-symlink: {}\n";
const original = readFileSync(demoPath("worker-1", CURRENT));

describe("agent --heal: kubelet-client-symlink on the demo's worker-1 (kubelet-rotation-blocked)", () => {
  it("moves the certificate to its dated name, makes kubelet-client-current.pem the symlink, and the rescan clears the finding", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const { report, events } = await node.agent();
      assert.equal(events.length, 1);
      const e = events[0]!;
      assert.equal(e.outcome, "healed", e.message);
      assert.equal(e.repair, "kubelet-client-symlink");
      assert.equal(e.target, "/var/lib/kubelet/pki/kubelet-client-current.pem");
      assert.equal(e.found.rule, "kubelet-rotation-blocked");
      assert.deepEqual(e.checks.map((c) => [c.name, c.ok]), [["InsideCertificateDirs", true], ["RegularFile", true], ["Parseable", true], ["KeyMatchesCertificate", true], ["NotCa", true], ["WithinValidity", true], ["DatedNameFree", true]]);
      assert.equal(e.changes[0]!.action, "symlinked");
      assert.equal(e.changes[0]!.backup, `/${DATED}`);
      assert.match(e.changes[0]!.oldFingerprint!, /^[0-9a-f]{64}$/);
      assert.deepEqual(e.verification?.cleared, ["kubelet-rotation-blocked"]);
      assert.equal(e.verification?.ok, true);
      assert.match(e.id!, /^heal-20261201T000000Z-[0-9a-f]{6}$/);
      // The report sent is the rescan's: the finding is gone, the expiry warning stays.
      assert.deepEqual(report.findings.map((f) => f.rule), ["cert-expiring"]);
      assert.ok(lstatSync(join(node.root, CURRENT)).isSymbolicLink());
      assert.equal(readlinkSync(join(node.root, CURRENT)), "kubelet-client-2026-12-01-00-00-00.pem");
      assert.ok(readFileSync(join(node.root, DATED)).equals(original));
      const journal = JSON.parse(readFileSync(join(node.stateDir, "journal.json"), "utf8"));
      assert.deepEqual(journal.entries.map((x: { id: string; state: string }) => [x.id, x.state]), [[e.id, "verified"]]);
      // Nothing left to do on the next cycle.
      assert.deepEqual((await node.agent()).events, []);
    } finally {
      node.cleanup();
    }
  });

  it("--heal-dry-run reports would-heal and writes nothing (not even the journal)", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const before = snapshotTree(node.root);
      const { events, report } = await node.agent(["--heal-dry-run"]);
      assert.equal(events[0]!.outcome, "would-heal", events[0]!.message);
      assert.equal(report.agent.heal?.dryRun, true);
      assert.equal(events[0]!.changes[0]!.linkTo, "kubelet-client-2026-12-01-00-00-00.pem");
      assert.deepEqual(snapshotTree(node.root), before);
      assert.deepEqual(readdirSync(node.stateDir), []);
      assert.ok(report.findings.some((f) => f.rule === "kubelet-rotation-blocked"));
    } finally {
      node.cleanup();
    }
  });

  it("--undo restores byte-identical files; a second undo, or one after the kubelet rotated, is refused", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const before = snapshotTree(node.root);
      const id = (await node.agent()).events[0]!.id!;
      const undo = await node.undo(id);
      assert.equal(undo.code, 0, undo.err);
      assert.match(undo.out, /restored \/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem/);
      assert.deepEqual(snapshotTree(node.root), before);
      const again = await node.undo(id);
      assert.equal(again.code, 2);
      assert.match(again.err, /already undone/);

      // Heal again, then the kubelet rotates (new dated file, symlink re-pointed): undo must not clobber that.
      const next = (await node.agent([], "2026-12-02T00:00:00Z")).events[0]!;
      assert.equal(next.outcome, "healed", next.message);
      writeFileSync(join(node.root, PKI, "kubelet-client-2026-12-03-00-00-00.pem"), original);
      symlinkSync("kubelet-client-2026-12-03-00-00-00.pem", join(node.root, PKI, "new-link"));
      renameSync(join(node.root, PKI, "new-link"), join(node.root, CURRENT));
      const rotated = snapshotTree(node.root);
      const refused = await node.undo(next.id!);
      assert.equal(refused.code, 2);
      assert.match(refused.err, /ERR_RESTORE_UNSAFE|changed since the action/);
      assert.deepEqual(snapshotTree(node.root), rotated);
      assert.equal((await node.undo("heal-nope")).code, 2);
    } finally {
      node.cleanup();
    }
  });

  it("the daily limit holds: a second action within 24 hours is deferred with nothing written, allowed after", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(`${POLICY}limits:\n  maxActionsPerDay: 1\n`);
      const first = (await node.agent()).events[0]!;
      assert.equal(first.outcome, "healed");
      assert.equal((await node.undo(first.id!)).code, 0);
      const before = snapshotTree(node.root);
      const second = (await node.agent([], "2026-12-01T23:00:00Z")).events[0]!;
      assert.equal(second.outcome, "deferred", second.message);
      assert.match(second.message, /daily limit of 1/);
      assert.deepEqual(second.changes, []);
      assert.deepEqual(snapshotTree(node.root), before);
      const later = (await node.agent([], "2026-12-02T00:00:01Z")).events[0]!;
      assert.equal(later.outcome, "healed", later.message);
    } finally {
      node.cleanup();
    }
  });

  it("quiet hours defer the action", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(`${POLICY}limits:\n  quietHours: "23:00-01:00"\n`);
      const before = snapshotTree(node.root);
      const e = (await node.agent()).events[0]!;
      assert.equal(e.outcome, "deferred");
      assert.match(e.message, /quiet hours 23:00-01:00/);
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  const keyOf = (name: string) => readFileSync(demoPath("cp-1", "etc/kubernetes/pki", name));
  const refusals = [
    { name: "the key in the file is not the certificate's", check: "KeyMatchesCertificate", content: () => Buffer.concat([certOnly(original), keyOf("apiserver.key")]) },
    { name: "the file holds no key", check: "KeyMatchesCertificate", content: () => certOnly(original) },
    { name: "the file holds two keys", check: "KeyMatchesCertificate", content: () => Buffer.concat([original, keyOf("apiserver.key")]) },
  ];
  for (const row of refusals) {
    it(`refused, nothing written, when ${row.name}`, async () => {
      const node = makeHealNode("worker-1");
      try {
        node.policy(POLICY);
        writeFileSync(join(node.root, CURRENT), row.content());
        const before = snapshotTree(node.root);
        const { events } = await node.agent();
        assert.equal(events[0]?.outcome, "refused", JSON.stringify(events));
        const failed = events[0]!.checks.find((c) => !c.ok);
        assert.equal(failed?.name, row.check);
        assert.deepEqual(events[0]!.changes, []);
        assert.deepEqual(snapshotTree(node.root), before);
      } finally {
        node.cleanup();
      }
    });
  }

  it("refused when the certificate has expired (rotation can no longer help)", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const before = snapshotTree(node.root);
      const { events } = await node.agent([], "2026-12-21T00:00:00Z");
      assert.equal(events[0]?.outcome, "refused");
      assert.equal(events[0]!.checks.find((c) => !c.ok)?.name, "WithinValidity");
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  it("never writes through a symlinked certificate directory", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      // /var/lib/kubelet/pki is a link to a directory outside the known certificate directories.
      mkdirSync(join(node.root, "srv"));
      renameSync(join(node.root, PKI), join(node.root, "srv/elsewhere"));
      symlinkSync("../../../srv/elsewhere", join(node.root, PKI));
      const before = snapshotTree(node.root);
      const { events } = await node.agent();
      for (const e of events) assert.notEqual(e.outcome, "healed");
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  it("a policy error is exit 2 with one line naming the key", async () => {
    const node = makeHealNode("worker-1");
    try {
      const file = node.policy("repairs:\n  kubelet-client-symlink: {}\nlimits:\n  maxActionsPerDay: lots\n");
      const run = await runCli(["agent", "--root", node.root, "--proc", join(node.dir, "proc"), "--once", "--heal", file, "--heal-state-dir", node.stateDir, "--output", join(node.dir, "r.json")]);
      assert.equal(run.code, 2);
      assert.equal(run.err.trim().split("\n").length, 1, run.err);
      assert.match(run.err, /limits\.maxActionsPerDay/);
      assert.equal((await runCli(["agent", "--root", node.root, "--once", "--heal-dry-run"])).code, 2);
    } finally {
      node.cleanup();
    }
  });
});

describe("agent --heal killed mid-action (kubelet-client-symlink)", () => {
  const helper = join(findRepoRoot(), "test", "support", "crash-at-fs-call.mjs");
  const main = join(findRepoRoot(), "dist", "src", "cli", "main.js");
  const rows = [
    { name: "after the dated link, before the symlink swap", fn: "renameSync", mark: "kubelet-client-current.pem", nth: 1, want: "old" },
    { name: "after the swap, before the journal records the outcome", fn: "renameSync", mark: "journal.json", nth: 2, want: "new" },
  ];
  for (const row of rows) {
    it(`${row.name}: the old or the new file, whole; the next run reports the interruption and finishes`, async () => {
      const node = makeHealNode("worker-1");
      try {
        const policy = node.policy(POLICY);
        const args = ["agent", "--root", node.root, "--proc", join(node.dir, "proc"), "--once", "--now", "2026-12-01T00:00:00Z", "--node-name", "node-1", "--heal", policy, "--heal-state-dir", node.stateDir, "--output", join(node.dir, "r.json")];
        const child = spawnSync(process.execPath, [helper, main, row.fn, row.mark, String(row.nth), ...args], { encoding: "utf8" });
        assert.equal(child.signal, "SIGKILL", child.stdout + child.stderr);
        const current = join(node.root, CURRENT);
        if (row.want === "old") {
          assert.ok(lstatSync(current).isFile());
          assert.ok(readFileSync(current).equals(original), "the regular file is whole");
        } else {
          assert.equal(readlinkSync(current), "kubelet-client-2026-12-01-00-00-00.pem");
        }
        assert.ok(readFileSync(current).equals(original), "kubelet reads the same certificate and key either way");
        const { events } = await node.agent();
        assert.equal(events[0]!.outcome, "interrupted", events[0]!.message);
        if (row.want === "old") assert.equal(events[1]?.outcome, "healed", JSON.stringify(events));
        else assert.equal(events.length, 1);
        assert.equal(readlinkSync(current), "kubelet-client-2026-12-01-00-00-00.pem");
        assert.deepEqual(readdirSync(join(node.root, PKI)).filter((n) => n.startsWith(".certdoctor-tmp-")), []);
      } finally {
        node.cleanup();
      }
    });
  }
});

/** The certificate blocks of a PEM file, without its key. */
function certOnly(pem: Buffer): Buffer {
  const text = pem.toString("latin1");
  return Buffer.from(text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!.join(""), "latin1");
}
