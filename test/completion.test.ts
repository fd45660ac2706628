import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { rules } from "../src/rules/index.js";
import { runCli } from "./support/cli.js";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

async function script(shell: string): Promise<string> {
  const r = await runCli(["completion", shell]);
  assert.equal(r.code, 0, r.err);
  return r.out;
}

/** What bash's programmable completion offers for `line` (the cursor at its end). */
function bashComplete(source: string, words: string[], cwd = process.cwd()): string[] {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-compl-"));
  const file = join(dir, "c.bash");
  writeFileSync(file, source);
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const program = `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _certdoctor_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync("bash", ["-c", program], { cwd, encoding: "utf8" }).split("\n").filter(Boolean);
}

/** What fish offers for the command line `line` (fish's own `complete -C`). */
function fishComplete(source: string, line: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-compl-"));
  const file = join(dir, "c.fish");
  writeFileSync(file, source);
  const out = execFileSync("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
}

describe("certdoctor completion", () => {
  it("an unknown shell is a usage error (exit 2) naming the shells", async () => {
    const r = await runCli(["completion", "tcsh"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_USAGE.*bash, zsh or fish/);
  });

  it("every script names every command, and scan's flags, generated from the command tree", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const s = await script(shell);
      for (const cmd of ["scan", "certs", "demo", "rules", "explain", "watch", "agent", "completion"]) assert.match(s, new RegExp(`\\b${cmd}\\b`), `${shell}: ${cmd}`);
      assert.match(s, /kube-timeout/, shell);
      assert.match(s, /allow-empty/, shell);
    }
  });

  describe("bash (run in real bash)", { skip: !has("bash") }, () => {
    it("completes sub-commands from a prefix", async () => {
      assert.deepEqual(bashComplete(await script("bash"), ["certdoctor", "ex"]), ["explain"]);
      assert.deepEqual(bashComplete(await script("bash"), ["certdoctor", "c"]).sort(), ["certs", "completion"]);
    });

    it("completes a sub-command's flags, not another's", async () => {
      const got = bashComplete(await script("bash"), ["certdoctor", "scan", "--kube-t"]);
      assert.deepEqual(got, ["--kube-timeout"]);
      assert.deepEqual(bashComplete(await script("bash"), ["certdoctor", "rules", "--kube"]), []);
    });

    it("completes fixed values: formats, severities, rule ids", async () => {
      const s = await script("bash");
      assert.deepEqual(bashComplete(s, ["certdoctor", "scan", "--format", "s"]), ["sarif"]);
      assert.deepEqual(bashComplete(s, ["certdoctor", "scan", "--fail-on", ""]).sort(), ["critical", "info", "never", "warning"]);
      assert.deepEqual(bashComplete(s, ["certdoctor", "explain", "ca-d"]), ["ca-divergence"]);
      assert.equal(bashComplete(s, ["certdoctor", "explain", ""]).length, rules.length);
    });

    it("completes file names for path flags and nothing for numbers and names", async () => {
      const dir = mkdtempSync(join(tmpdir(), "certdoctor-compl-files-"));
      writeFileSync(join(dir, "admin.conf"), "");
      const s = await script("bash");
      assert.deepEqual(bashComplete(s, ["certdoctor", "scan", "--kubeconfig", "adm"], dir), ["admin.conf"]);
      assert.deepEqual(bashComplete(s, ["certdoctor", "scan", "--kube-qps", "adm"], dir), []);
      assert.deepEqual(bashComplete(s, ["certdoctor", "scan", "adm"], dir), ["admin.conf"]);
    });
  });

  describe("zsh", { skip: !has("zsh") }, () => {
    it("the script parses (zsh -n) and is a #compdef function file", async () => {
      const s = await script("zsh");
      assert.match(s, /^#compdef certdoctor\n/);
      const r = spawnSync("zsh", ["-n"], { input: s, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    });

    it("loads under compinit and registers _certdoctor for certdoctor", async () => {
      const dir = mkdtempSync(join(tmpdir(), "certdoctor-compl-zsh-"));
      writeFileSync(join(dir, "_certdoctor"), await script("zsh"));
      const program = `fpath=(${dir} $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[certdoctor]`;
      const r = spawnSync("zsh", ["-f", "-c", program], { encoding: "utf8", env: { ...process.env, HOME: dir } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "_certdoctor");
    });
  });

  describe("fish (fish's own complete -C)", { skip: !has("fish") }, () => {
    it("completes sub-commands, flags and fixed values", async () => {
      const s = await script("fish");
      assert.deepEqual(fishComplete(s, "certdoctor ex"), ["explain"]);
      assert.deepEqual(fishComplete(s, "certdoctor scan --kube-t"), ["--kube-timeout"]);
      assert.deepEqual(fishComplete(s, "certdoctor scan --format s"), ["sarif"]);
      assert.ok(fishComplete(s, "certdoctor explain ").includes("ca-divergence"));
    });

    it("the script parses (fish -n)", async () => {
      const file = join(mkdtempSync(join(tmpdir(), "certdoctor-compl-")), "c.fish");
      writeFileSync(file, await script("fish"));
      const r = spawnSync("fish", ["--no-config", "-n", file], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    });
  });
});
