import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { compileExclude, globToRegExp, hostPseudoDevices, pseudoMountPoints } from "./walk-filter.js";
import { walkPaths, type FileEntry, type WalkFilter } from "./walk.js";
import { confineTo } from "../../fs/confine.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };

async function walk(roots: string[], filter?: WalkFilter, c: ReadContext = ctx): Promise<{ files: string[]; notes: ScanIssue[] }> {
  const files: string[] = [];
  const notes: ScanIssue[] = [];
  for await (const e of walkPaths(roots, c, filter)) {
    if ("code" in e) notes.push(e);
    else files.push((e as FileEntry).path);
  }
  return { files, notes };
}

describe("globToRegExp", () => {
  const table: Array<[string, string, boolean]> = [
    ["*.py", "x.py", true],
    ["*.py", "a/x.py", false],
    ["*.py", ".py", true],
    ["ca.?rt", "ca.crt", true],
    ["ca.?rt", "ca.c/rt", false],
    ["var/log/**", "var/log/a/b/c", true],
    ["var/log/**", "var/logs", false],
    ["**/pki/*.key", "etc/kubernetes/pki/ca.key", true],
    ["**/pki/*.key", "pki/ca.key", true],
    ["**/pki/*.key", "etc/pki/sub/ca.key", false],
    ["[ab].pem", "a.pem", true],
    ["[!ab].pem", "a.pem", false],
    ["[!ab].pem", "c.pem", true],
    ["a+b(c).crt", "a+b(c).crt", true],
    ["a+b(c).crt", "aab(c).crt", false],
    ["[unclosed", "[unclosed", true],
  ];
  for (const [glob, path, want] of table) {
    it(`${glob} ${want ? "matches" : "does not match"} ${path}`, () => assert.equal(globToRegExp(glob).test(path), want));
  }

  it("a glob without wildcards matches exactly its own text, whatever characters it holds", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).filter((s) => !/[*?[]/.test(s)), fc.string({ maxLength: 40 }), (literal, other) => {
        const re = globToRegExp(literal);
        assert.equal(re.test(literal), true);
        if (other !== literal) assert.equal(re.test(other), false);
      }),
    );
  });

  it("compiles any pattern of any characters without throwing, in linear time", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (glob) => {
        const re = globToRegExp(glob);
        const started = performance.now();
        re.test("a/".repeat(200) + "x".repeat(200));
        assert.ok(performance.now() - started < 500);
      }),
    );
  });
});

describe("compileExclude", () => {
  const excluded = compileExclude(["*.py", "node_modules", "/var/log/**", "cache/**"]);
  it("a name pattern matches at any depth; absolute and root-relative paths match the whole path", () => {
    assert.equal(excluded("/srv/app/x.py", "/srv"), true);
    assert.equal(excluded("/srv/a/node_modules", "/srv"), true);
    assert.equal(excluded("/var/log/pods/x.crt", "/"), true);
    assert.equal(excluded("/srv/cache/x/y.pem", "/srv"), true);
    assert.equal(excluded("/srv/other/cache/y.pem", "/srv"), false);
    assert.equal(excluded("/srv/ca.crt", "/srv"), false);
  });
  it("an empty pattern is a usage error", () => {
    assert.throws(() => compileExclude([""]), { code: "ERR_USAGE" });
  });
});

describe("pseudoMountPoints", () => {
  const mountinfo = [
    "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw",
    "23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw",
    "24 1 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=8G",
    "25 24 0:23 / /dev/pts rw shared:3 - devpts devpts rw,gid=5",
    "26 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
    "27 26 0:24 / /run rw shared:7 - tmpfs tmpfs rw",
    "28 23 0:25 / /sys/fs/cgroup rw shared:8 - cgroup2 cgroup2 rw",
    "29 26 0:26 / /mnt/with\\040space rw - proc proc rw",
    "30 26 0:27 / /var/lib/kubelet/pods/x/volumes rw shared:9 master:1 - tmpfs tmpfs rw",
    "garbage line",
    "",
  ].join("\n");
  it("lists proc, sysfs, devtmpfs, devpts and cgroup mounts, not ext4 or tmpfs (a pod's Secret volume is tmpfs)", () => {
    assert.deepEqual(pseudoMountPoints(mountinfo), ["/proc", "/sys", "/dev", "/dev/pts", "/sys/fs/cgroup", "/mnt/with space"]);
  });
  it("this host's /proc is among the pseudo devices", () => {
    assert.ok(hostPseudoDevices().has(statSync("/proc").dev));
  });
});

describe("walkPaths on big trees", () => {
  let dir: string;
  let shm: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "certdoctor-walk-filter-"));
    mkdirSync(join(dir, "etc/pki"), { recursive: true });
    writeFileSync(join(dir, "etc/pki/ca.crt"), "x");
    mkdirSync(join(dir, "app/node_modules/pkg"), { recursive: true });
    writeFileSync(join(dir, "app/node_modules/pkg/test.pem"), "x");
    writeFileSync(join(dir, "app/tool.py"), "x");
    // /proc reached by descent, as a node's /var/lib/... -> /proc/1/... link would be
    symlinkSync("/proc/self", join(dir, "proc-link"));
    try {
      shm = mkdtempSync("/dev/shm/certdoctor-walk-");
      writeFileSync(join(shm, "other-fs.crt"), "x");
      symlinkSync(shm, join(dir, "shm-link"));
    } catch {
      shm = undefined;
    }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (shm) rmSync(shm, { recursive: true, force: true });
  });

  it("never descends into /proc reached by descent, and says so in one note", async () => {
    const { files, notes } = await walk([dir]);
    assert.ok(!files.some((f) => f.includes("proc-link/")), files.join("\n"));
    const skipped = notes.filter((n) => n.code === "ERR_SOURCE_SKIPPED");
    assert.deepEqual(skipped.map((n) => [n.ref, n.material]), [[`file:${join(dir, "proc-link")}`, false]]);
    assert.match(skipped[0]!.message, /pseudo-filesystem/);
  });

  it("one test for links and descent: the device from the mount table; the /proc, /sys path list only without one", async () => {
    const small = mkdtempSync(join(tmpdir(), "certdoctor-walk-pseudo-"));
    symlinkSync("/proc/self/fdinfo", join(small, "fdinfo-link"));
    try {
      const out = { ...ctx, confine: { roots: [small], followSymlinksOut: true } };
      const skippedLink = (notes: ScanIssue[]) => notes.some((n) => n.code === "ERR_SOURCE_SKIPPED" && n.ref === `file:${join(small, "fdinfo-link")}`);
      // A mount table that knows /proc: refused by its device, even with --follow-symlinks-out.
      const byDevice = await walk([small], { pseudoFilesystems: { devices: new Set([statSync("/proc").dev]), fromMountTable: true } }, out);
      assert.ok(skippedLink(byDevice.notes));
      // No mount table: refused by path.
      const byPath = await walk([small], { pseudoFilesystems: { devices: new Set(), fromMountTable: false } }, out);
      assert.ok(skippedLink(byPath.notes));
      // A mount table that does not list /proc is believed: the path alone no longer decides.
      const believed = await walk([small], { pseudoFilesystems: { devices: new Set(), fromMountTable: true } }, out);
      assert.ok(!skippedLink(believed.notes) && believed.files.length > 0);
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
  });

  it("walks a pseudo-filesystem named as a root", async () => {
    const { files } = await walk(["/proc/self/fdinfo"]);
    assert.ok(files.length > 0);
  });

  it("--exclude leaves out matching names and paths, and their subtrees", async () => {
    const { files } = await walk([dir], { exclude: ["node_modules", "*.py"] });
    const rel = files.map((f) => f.slice(dir.length + 1));
    assert.ok(rel.includes("etc/pki/ca.crt"));
    assert.ok(!rel.some((f) => f.includes("node_modules") || f.endsWith(".py")), rel.join("\n"));
  });

  it("--one-file-system stays on the root's filesystem (another mount is a note)", async (t) => {
    if (shm === undefined) return t.skip("no writable /dev/shm here");
    // the link leads out of the root: followed only with --follow-symlinks-out
    const out: ReadContext = { ...ctx, confine: confineTo([dir], { followSymlinksOut: true }) };
    const all = await walk([dir], {}, out);
    assert.ok(all.files.some((f) => f.endsWith("shm-link/other-fs.crt")), "without the flag the link is followed");
    const { files, notes } = await walk([dir], { oneFileSystem: true }, out);
    assert.ok(!files.some((f) => f.includes("shm-link")));
    assert.ok(notes.some((n) => n.code === "ERR_SOURCE_SKIPPED" && n.ref.endsWith("shm-link") && /one-file-system/.test(n.message)));
  });
});
