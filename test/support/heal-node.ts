/**
 * Test support (imported only by tests): a node tree in a temp directory for `agent --heal`, the agent run
 * through the CLI with its report read back, and a snapshot of every file in the tree (type, bytes, link
 * target) to prove a run wrote nothing or that an undo put back byte-identical files.
 */
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { AgentReport } from "../../src/agent/scan-node.js";
import type { HealEvent } from "../../src/agent/heal/types.js";
import { runCli, type CliRun } from "./cli.js";
import { demoPath } from "./fixtures.js";

export interface HealNode {
  dir: string;
  root: string;
  stateDir: string;
  policy(yaml: string): string;
  agent(extra?: string[], now?: string): Promise<{ run: CliRun; report: AgentReport; events: HealEvent[] }>;
  undo(id: string): Promise<CliRun>;
  cleanup(): void;
}

/** A temp node tree copied from demo/cluster/NODE (or empty). */
export function makeHealNode(demoNode?: string): HealNode {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-heal-"));
  const root = join(dir, "node");
  if (demoNode === undefined) mkdirSync(root);
  else cpSync(demoPath(demoNode), root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(dir, "proc"));
  const stateDir = join(dir, "state");
  const policyFile = join(dir, "policy.yaml");
  return {
    dir,
    root,
    stateDir,
    policy(yaml) {
      writeFileSync(policyFile, yaml);
      return policyFile;
    },
    async agent(extra = [], now = "2026-12-01T00:00:00Z") {
      const out = join(dir, "report.json");
      rmSync(out, { force: true });
      const run = await runCli(["agent", "--root", root, "--proc", join(dir, "proc"), "--once", "--now", now, "--node-name", "node-1", "--heal", policyFile, "--heal-state-dir", stateDir, "--output", out, ...extra]);
      if (run.code !== 0) throw new Error(`agent exited ${run.code}: ${run.err}`);
      const report = JSON.parse(readFileSync(out, "utf8")) as AgentReport;
      return { run, report, events: report.agent.heal?.events ?? [] };
    },
    undo: (id) => runCli(["agent", "--root", root, "--heal-state-dir", stateDir, "--undo", id, "--now", "2026-12-01T01:00:00Z"]),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type TreeSnapshot = Record<string, string>;

/** Every entry under `dir`: "file <hex>", "link <target>" or "dir". */
export function snapshotTree(dir: string): TreeSnapshot {
  const out: TreeSnapshot = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = "dir";
        walk(p);
      } else out[rel] = `file ${readFileSync(p).toString("hex")}`;
    }
  };
  walk(dir);
  return out;
}
