/**
 * A filesystem that stops answering, for real: a FUSE mount whose daemon never reads /dev/fuse. The kernel
 * then holds every lookup, stat or open below the mount point until the connection closes, exactly as a
 * hung NFS server or a dead FUSE daemon does (no mock: the calls block in the kernel, in Node's thread pool
 * or on the main thread). The holder is a child process with a bounded lifetime, so that even a regression
 * that blocks the test's own event loop ends (the calls then fail with ENOTCONN) instead of hanging the suite.
 * Needs root, /dev/fuse and mount(8); `mountStuckFilesystem` says why not otherwise (the test skips with it).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { once } from "node:events";

export interface StuckMount {
  /** Ends the holder (aborting the connection: every blocked call returns ENOTCONN) and unmounts. */
  release(): Promise<void>;
}

/** Mounts the stuck filesystem over `dir` (an existing directory); a string is the reason it cannot be done here. */
export async function mountStuckFilesystem(dir: string, lifetimeSeconds = 60): Promise<StuckMount | string> {
  if (process.platform !== "linux" || process.geteuid?.() !== 0) return "needs root on Linux (mount)";
  if (!existsSync("/dev/fuse")) return "no /dev/fuse";
  const script = `exec 3<>/dev/fuse || exit 3
mount -t fuse certdoctor-stuck "$1" -o fd=3,rootmode=40000,user_id=0,group_id=0 || exit 4
echo mounted
exec timeout ${lifetimeSeconds} cat >/dev/null`;
  const holder = spawn("sh", ["-c", script, "sh", dir], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  holder.stdout.on("data", (c: Buffer) => (out += c.toString()));
  holder.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = once(holder, "exit");
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => holder.stdout.on("data", () => out.includes("mounted") && resolve(true))),
    exited.then(() => false),
  ]);
  if (!ready) return `mount -t fuse refused: ${err.trim() || `exit ${holder.exitCode}`}`;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      holder.stdin.end();
      if (holder.exitCode === null && holder.signalCode === null) await exited;
      spawnSync("umount", ["-l", dir]);
    },
  };
}

/** True when a thread of process `pid` waits in a FUSE request (its kernel wait channel): the process has reached the stuck mount. */
export function isBlockedInFuse(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((tid) => {
      try {
        return /fuse|request_wait_answer/.test(readFileSync(`/proc/${pid}/task/${tid}/wchan`, "utf8"));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
