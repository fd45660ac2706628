import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scan } from "../engine/scan.js";
import type { ScanProgress } from "../engine/types.js";
import { ProgressLine, progressText } from "./progress.js";

describe("progress line", () => {
  const p: ScanProgress = { files: 12345, certificates: 67, directory: "/var/lib/kubelet/pods/0c4f6d3e-aaaa-bbbb-cccc-1234567890ab/volumes/kubernetes.io~secret/tls" };

  it("stays quiet during the first second, then redraws at most every 200 ms, in place", () => {
    let t = 0;
    let written = "";
    const line = new ProgressLine((s) => void (written += s), 80, () => t);
    line.update(p);
    t = 999;
    line.update(p);
    assert.equal(written, "", "nothing within the first second");
    t = 1000;
    line.update(p);
    assert.match(written, /^\r\x1b\[Kscanning: 12,345 files, 67 certificates {2}…/);
    const once = written;
    t = 1100;
    line.update(p);
    assert.equal(written, once, "no redraw within 200 ms");
    t = 1300;
    line.update({ ...p, files: 20000 });
    assert.match(written, /20,000 files/);
    line.clear();
    assert.ok(written.endsWith("\r\x1b[K"), "cleared before the report");
  });

  it("a scan shorter than a second writes nothing at all, not even the clearing sequence", () => {
    let written = "";
    const line = new ProgressLine((s) => void (written += s), 80, () => 0);
    line.update(p);
    line.clear();
    assert.equal(written, "");
  });

  it("is never wider than the terminal and shows the end of a long directory", () => {
    for (const columns of [20, 40, 60, 80, 120]) {
      const text = progressText(p, columns);
      assert.ok(text.length <= columns - 1, `${columns}: ${text.length}`);
    }
    assert.match(progressText(p, 100), /kubernetes\.io~secret\/tls$/);
  });

  it("control characters in a directory name are shown as ?", () => {
    assert.match(progressText({ ...p, directory: "/tmp/a\x1b[2Jb\nc" }, 80), /\/tmp\/a\?\[2Jb\?c$/);
  });

  it("the engine reports files and the directory as it walks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certdoctor-progress-"));
    try {
      for (let i = 0; i < 600; i++) writeFileSync(join(dir, `f${i}.txt`), "x");
      const seen: ScanProgress[] = [];
      await scan({ paths: [dir], now: new Date("2026-12-01T00:00:00Z"), warnDays: 30, critDays: 7, workers: 0, onProgress: (q) => void seen.push({ ...q }) });
      assert.deepEqual(seen.map((q) => q.files), [256, 512]);
      assert.ok(seen.every((q) => q.directory === dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
