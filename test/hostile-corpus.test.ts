import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { findRepoRoot } from "./support/fixtures.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";
import { cases, makeSharedMaterial, sharedSecrets, writeCorpus, type HostileCase } from "./hostile/corpus.js";

/** Bounds every case must stay within, on a loaded 2-core machine: V8 heap cap, peak RSS and wall time. */
const HEAP_MB = 256;
const MAX_RSS_KB = 400 * 1024;
const MAX_SECONDS = 30;

interface Run {
  code: number | null;
  out: string;
  err: string;
  seconds: number;
  rssKb: number;
}

function scanCase(dir: string, testCase: HostileCase): Promise<Run> {
  const root = findRepoRoot();
  const rssFile = join(dir, "..", `${testCase.name}.rss`);
  const args = [`--max-old-space-size=${HEAP_MB}`, "--import", pathToFileURL(join(root, "dist", "test", "support", "report-rss.js")).href, join(root, "bin", "certdoctor.js"), "scan", dir, "--format", "json", ...(testCase.args?.(dir) ?? [])];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, CERTDOCTOR_RSS_FILE: rssFile, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), MAX_SECONDS * 1000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      let rssKb = Number.NaN;
      try {
        rssKb = Number(readFileSync(rssFile, "utf8"));
      } catch {
        // killed before exit: no RSS written, the bounds below fail
      }
      resolve({ code, out, err, seconds: (performance.now() - started) / 1000, rssKb });
    }),
  );
}

describe("hostile-input corpus (issue 7): bounded, the good CA still found, the right finding or note, no key material", () => {
  let o: OpensslDir;
  let out: string;
  let corpus: ReturnType<typeof writeCorpus>;
  before(() => {
    o = makeOpensslDir("certdoctor-corpus-");
    makeSharedMaterial(o);
    out = mkdtempSync(join(tmpdir(), "certdoctor-hostile-"));
    corpus = writeCorpus(out, o);
  });
  after(() => {
    o.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  for (const testCase of cases) {
    it(`class ${testCase.class}: ${testCase.name}`, async () => {
      const { dir } = corpus.find((c) => c.testCase === testCase)!;
      const run = await scanCase(dir, testCase);
      assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}: ${run.err.slice(0, 500)}`);
      assert.ok(run.seconds < MAX_SECONDS, `${run.seconds.toFixed(1)} s`);
      assert.ok(run.rssKb < MAX_RSS_KB, `peak RSS ${run.rssKb} kB`);
      for (const secret of [...sharedSecrets(o), ...(testCase.secrets?.(dir) ?? [])]) {
        assert.ok(!run.out.includes(secret) && !run.err.includes(secret), "key material in the output");
      }
      const table = testCase.args?.(dir).includes("table") === true;
      if (table) {
        assert.ok(!run.out.includes("\x1b]") && !run.out.includes("\x1b[2J") && !/\nCRITICAL all good/.test(run.out), "raw escape sequences in the table");
        assert.match(run.out, /1 certificate/);
        assert.match(run.out, /evil\\e\]0;pwned/, "the name shown escaped");
        return;
      }
      const report = JSON.parse(run.out) as { certificates: Array<{ subject: string }>; findings: Array<{ rule: string; detail: string }>; notes: Array<{ code: string }> };
      assert.ok(report.certificates.some((c) => c.subject.includes("hostile-corpus-good-ca")), "the good CA beside the input is found");
      const codes = new Set([...report.notes.map((n) => n.code), ...report.findings.flatMap((f) => [...f.detail.matchAll(/\((ERR_[A-Z0-9_]+)\)/g)].map((m) => m[1]!))]);
      for (const code of testCase.codes) assert.ok(codes.has(code), `${code} not in ${[...codes].join(", ")}`);
      for (const [rule, max] of Object.entries(testCase.maxFindings ?? {})) {
        assert.ok(report.findings.filter((f) => f.rule === rule).length <= max, `more than ${max} ${rule} findings`);
      }
      console.log(`# ${testCase.name}: ${run.seconds.toFixed(2)} s, peak RSS ${(run.rssKb / 1024).toFixed(0)} MB`);
    });
  }
});
