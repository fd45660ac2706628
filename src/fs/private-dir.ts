/**
 * Makes sure a directory the agent keeps state in (the spool) exists and is a plain writable directory,
 * without a synchronous call: Node's recursive mkdirSync under /proc loops at 100% CPU forever (mkdir
 * there answers ENOENT for a parent that exists), and a synchronous call on a hung mount blocks the event
 * loop so that SIGTERM is never handled. Each missing component is created on its own with fs/promises,
 * and every step gives up when `signal` aborts.
 */
import { constants } from "node:fs";
import { access, lstat, mkdir, stat, statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CertdoctorError, ErrorCode } from "../errors.js";

/** statfs f_type of kernel pseudo-filesystems (linux/magic.h): nothing to keep there survives or makes sense. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
  [0x62656570, "configfs"],
  [0x42494e4d, "binfmt_misc"],
]);

/** Resolves when `dir` is a plain, writable directory (created 0700 with its missing parents); throws ERR_USAGE naming `what` otherwise. */
export async function preparePrivateDirectory(dir: string, what: string, signal?: AbortSignal): Promise<void> {
  const refuse = (why: string, cause?: unknown): never => {
    if (isAbortError(cause)) throw cause;
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot use ${what} ${dir}: ${why}`, cause === undefined ? {} : { cause });
  };
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      await abortable(lstat(existing), signal);
      break;
    } catch (err) {
      if (code(err) !== "ENOENT" || dirname(existing) === existing) refuse(code(err) ?? "unusable", err);
      missing.unshift(existing);
      existing = dirname(existing);
    }
  }
  const fsType = await abortable(statfs(existing), signal).then((s) => PSEUDO_FS.get(s.type), () => undefined);
  if (fsType !== undefined) refuse(`it is on the kernel's ${fsType} pseudo-filesystem, not a plain directory`);
  for (const part of missing) {
    try {
      await abortable(mkdir(part, { mode: 0o700 }), signal);
    } catch (err) {
      if (code(err) !== "EEXIST") refuse(`${code(err) ?? "mkdir failed"} creating ${part}`, err);
    }
  }
  const own = await abortable(lstat(target), signal).catch((err: unknown) => refuse(code(err) ?? "unusable", err));
  if (own.isSymbolicLink()) refuse("it is a symbolic link (give the directory it points to)");
  if (!own.isDirectory()) refuse("not a directory");
  // Parents may be links (/var -> /private/var); the directory itself, by its real path, must be on a real filesystem too.
  await abortable(stat(target), signal);
  await abortable(access(target, constants.W_OK | constants.X_OK), signal).catch((err: unknown) => refuse(`not writable (${code(err) ?? "access"})`, err));
}

/** `op`, or a rejection as soon as `signal` aborts (the operation itself may still finish in the thread pool). */
export function abortable<T>(op: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return op;
  if (signal.aborted) {
    op.catch(() => undefined);
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    op.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

function abortError(): Error {
  return Object.assign(new Error("interrupted"), { name: "AbortError" });
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
