/** The safe writer against real symlinks, devices, FIFOs, sockets, read-only directories and write failures. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { isTempFileName, writeFileAtomic, writeFileAtomicAsync } from "./write-atomic.js";

const root = mkdtempSync(join(tmpdir(), "certdoctor-atomic-"));
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.geteuid?.() === 0;
const writerModule = fileURLToPath(new URL("./write-atomic.js", import.meta.url));
let n = 0;

function freshDir(): string {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter(isTempFileName);
}

/** Runs writeFileAtomic in a child process (another uid, or a file-size limit), returning the thrown code and cause. */
function writeInChild(path: string, bytes: number, spawnOptions: { uid?: number; gid?: number; fsizeBlocks?: number } = {}): { code?: string; cause?: string } {
  const script = `import(${JSON.stringify(writerModule)}).then((m) => { try { m.writeFileAtomic(${JSON.stringify(path)}, Buffer.alloc(${bytes}, 65)); console.log("{}"); } catch (e) { console.log(JSON.stringify({ code: e.code, cause: e.cause?.code })); } });`;
  const command = spawnOptions.fsizeBlocks === undefined ? process.execPath : "bash";
  const args = spawnOptions.fsizeBlocks === undefined ? ["-e", script] : ["-c", `ulimit -f ${spawnOptions.fsizeBlocks} && exec "$0" -e "$1"`, process.execPath, script];
  const r = spawnSync(command, args, { encoding: "utf8", ...(spawnOptions.uid === undefined ? {} : { uid: spawnOptions.uid, gid: spawnOptions.gid }) });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code?: string; cause?: string };
}

describe("writeFileAtomic", () => {
  it("writes a new file with the given mode and leaves no temp file", () => {
    const dir = freshDir();
    const path = join(dir, "new.json");
    assert.deepEqual(writeFileAtomic(path, "{}", { mode: 0o600 }), {});
    assert.equal(readFileSync(path, "utf8"), "{}");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(leftovers(dir), []);
  });

  it("gives a new file 0644 by default, whatever the umask", () => {
    const dir = freshDir();
    const old = process.umask(0o077);
    try {
      writeFileAtomic(join(dir, "r.json"), "x");
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, "r.json")).mode & 0o777, 0o644);
  });

  it("keeps a replaced file's mode (setuid dropped) and, as root, its owner", () => {
    const dir = freshDir();
    const path = join(dir, "kubeconfig");
    writeFileSync(path, "old");
    chmodSync(path, 0o4600);
    if (isRoot) chownSync(path, 4321, 4322);
    writeFileAtomic(path, "new", { mode: 0o644 });
    const st = statSync(path);
    assert.equal(st.mode & 0o7777, 0o600);
    if (isRoot) assert.deepEqual([st.uid, st.gid], [4321, 4322]);
  });

  it("refuses a symlinked target, dangling or not, and leaves the link and what it points to alone", () => {
    const dir = freshDir();
    const victim = join(dir, "shadow");
    writeFileSync(victim, "secret");
    symlinkSync(victim, join(dir, "report.json"));
    symlinkSync(join(dir, "absent"), join(dir, "dangling.json"));
    for (const name of ["report.json", "dangling.json"]) {
      assert.throws(() => writeFileAtomic(join(dir, name), "evil", { backup: true }), { code: "ERR_OUTPUT_SYMLINK" });
      assert.ok(lstatSync(join(dir, name)).isSymbolicLink());
    }
    assert.equal(readFileSync(victim, "utf8"), "secret");
    assert.equal(readlinkSync(join(dir, "report.json")), victim);
    assert.deepEqual(readdirSync(dir).sort(), ["dangling.json", "report.json", "shadow"]);
  });

  it("does not follow links planted at temp names someone could predict", () => {
    const dir = freshDir();
    const victim = join(dir, "victim");
    writeFileSync(victim, "keep");
    for (const name of [`.report.json.${process.pid}.tmp`, ".report.json.tmp", "report.json.tmp", ".tmp-report.json"]) symlinkSync(victim, join(dir, name));
    writeFileAtomic(join(dir, "report.json"), "report");
    assert.equal(readFileSync(victim, "utf8"), "keep");
    assert.equal(readFileSync(join(dir, "report.json"), "utf8"), "report");
  });

  it("refuses FIFOs, sockets and directories without blocking or replacing them", async () => {
    const dir = freshDir();
    execFileSync("mkfifo", [join(dir, "fifo")]);
    mkdirSync(join(dir, "dir"));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, "sock"), resolve));
    try {
      for (const [name, check] of [["fifo", "isFIFO"], ["dir", "isDirectory"], ["sock", "isSocket"]] as const) {
        assert.throws(() => writeFileAtomic(join(dir, name), "x", { backup: true }), { code: "ERR_OUTPUT_NOT_REGULAR" }, name);
        assert.ok(lstatSync(join(dir, name))[check](), name);
      }
      assert.deepEqual(readdirSync(dir).sort(), ["dir", "fifo", "sock"]);
    } finally {
      server.close();
    }
  });

  it("refuses character devices: copies of /dev/null and /dev/full stay devices and get no .bak", { skip: isRoot ? false : "mknod needs root" }, () => {
    const dir = freshDir();
    for (const [name, minor] of [["null", "3"], ["full", "7"]] as const) {
      const path = join(dir, name);
      execFileSync("mknod", [path, "c", "1", minor]);
      assert.throws(() => writeFileAtomic(path, "x", { backup: true }), { code: "ERR_OUTPUT_NOT_REGULAR" });
      assert.ok(lstatSync(path).isCharacterDevice());
    }
    assert.deepEqual(readdirSync(dir).sort(), ["full", "null"]);
  });

  it("replaces a hard-linked file by rename: the other name keeps the old content", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "elsewhere"), "keep");
    linkSync(join(dir, "elsewhere"), join(dir, "report.json"));
    writeFileAtomic(join(dir, "report.json"), "new");
    assert.equal(readFileSync(join(dir, "elsewhere"), "utf8"), "keep");
    assert.equal(readFileSync(join(dir, "report.json"), "utf8"), "new");
  });

  it("keeps the replaced content as .bak only when asked, and rotates an existing .bak instead of deleting it", () => {
    const dir = freshDir();
    const path = join(dir, "ca.crt");
    writeFileSync(path, "v1");
    writeFileAtomic(path, "v2");
    assert.deepEqual(readdirSync(dir), ["ca.crt"], "no backup unless asked");
    const now = () => new Date("2026-12-02T16:00:00.123Z");
    assert.deepEqual(writeFileAtomic(path, "v3", { backup: true, now }), { backup: `${path}.bak` });
    assert.deepEqual(writeFileAtomic(path, "v4", { backup: true, now }), { backup: `${path}.bak`, rotatedBackup: `${path}.bak.20261202T160000Z` });
    assert.deepEqual(writeFileAtomic(path, "v5", { backup: true, now }), { backup: `${path}.bak`, rotatedBackup: `${path}.bak.20261202T160000Z-1` });
    const contents = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
    assert.deepEqual(contents, {
      "ca.crt": "v5",
      "ca.crt.bak": "v4",
      "ca.crt.bak.20261202T160000Z": "v2",
      "ca.crt.bak.20261202T160000Z-1": "v3",
    });
  });

  it("fails cleanly when the backup cannot be kept: target unchanged, no temp file", () => {
    const dir = freshDir();
    const path = join(dir, "ca.crt");
    writeFileSync(path, "old");
    mkdirSync(`${path}.bak`);
    assert.throws(() => writeFileAtomic(path, "new", { backup: true }), { code: "ERR_OUTPUT_WRITE" });
    assert.equal(readFileSync(path, "utf8"), "old");
    assert.ok(statSync(`${path}.bak`).isDirectory());
    assert.deepEqual(leftovers(dir), []);
  });

  it("removes the temp file when the write itself fails (file size limit: EFBIG)", () => {
    const dir = freshDir();
    const path = join(dir, "report.json");
    writeFileSync(path, "old");
    assert.deepEqual(writeInChild(path, 64 * 1024, { fsizeBlocks: 8 }), { code: "ERR_OUTPUT_WRITE", cause: "EFBIG" });
    assert.equal(readFileSync(path, "utf8"), "old");
    assert.deepEqual(leftovers(dir), []);
  });

  it("fails with ERR_OUTPUT_WRITE in a read-only directory and creates nothing", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "report.json"), "old");
    chmodSync(dir, 0o555);
    // root ignores directory permissions: run the writer as nobody, as a non-root operator would
    const result = isRoot ? writeInChild(join(dir, "report.json"), 10, { uid: 65534, gid: 65534 }) : writeInChild(join(dir, "report.json"), 10);
    chmodSync(dir, 0o755);
    assert.deepEqual(result, { code: "ERR_OUTPUT_WRITE", cause: "EACCES" });
    assert.deepEqual(readdirSync(dir), ["report.json"]);
    assert.equal(readFileSync(join(dir, "report.json"), "utf8"), "old");
  });

  it("fails without touching anything when the directory is missing", () => {
    assert.throws(() => writeFileAtomic(join(root, "missing", "x.json"), "x"), (err: { code?: string; cause?: { code?: string } }) => err.code === "ERR_OUTPUT_WRITE" && err.cause?.code === "ENOENT");
  });
});

describe("writeFileAtomicAsync (the spool's writer: no synchronous call)", () => {
  it("writes a new file with the given mode, keeps a replaced file's mode, and leaves no temp file", async () => {
    const dir = freshDir();
    const path = join(dir, "state.json");
    await writeFileAtomicAsync(path, "{}", { mode: 0o600 });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    chmodSync(path, 0o640);
    await writeFileAtomicAsync(path, "{\"v\":2}", { mode: 0o600 });
    assert.deepEqual([readFileSync(path, "utf8"), statSync(path).mode & 0o777, leftovers(dir)], ['{"v":2}', 0o640, []]);
  });

  it("refuses a symlink, a FIFO and a directory without blocking or replacing them", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, "victim"), "keep");
    symlinkSync(join(dir, "victim"), join(dir, "link"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    mkdirSync(join(dir, "sub"));
    await assert.rejects(writeFileAtomicAsync(join(dir, "link"), "evil"), { code: "ERR_OUTPUT_SYMLINK" });
    await assert.rejects(writeFileAtomicAsync(join(dir, "fifo"), "x"), { code: "ERR_OUTPUT_NOT_REGULAR" });
    await assert.rejects(writeFileAtomicAsync(join(dir, "sub"), "x"), { code: "ERR_OUTPUT_NOT_REGULAR" });
    assert.deepEqual([readFileSync(join(dir, "victim"), "utf8"), lstatSync(join(dir, "fifo")).isFIFO(), leftovers(dir)], ["keep", true, []]);
  });

  it("fails with ERR_OUTPUT_WRITE when the directory is missing", async () => {
    await assert.rejects(writeFileAtomicAsync(join(root, "missing", "x.json"), "x"), (err: { code?: string; cause?: { code?: string } }) => err.code === "ERR_OUTPUT_WRITE" && err.cause?.code === "ENOENT");
  });
});
