/**
 * The one safe writer. Every file certdoctor writes (`--output`, the agent's metrics file and spool, and the
 * remedy commands' files) goes through `writeFileAtomic`. certdoctor runs as root in directories other users
 * can write to, so this writer never follows a symbolic link at the target or at its temp file, never writes
 * into a device, FIFO, socket or directory, never deletes a backup, and leaves no temp file behind on any
 * failure. Decisions and their reasons: docs/adr/0004-safe-writes.md.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fchmodSync, fchownSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { lstat, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CertdoctorError, ErrorCode } from "../errors.js";

export interface AtomicWriteOptions {
  /** Mode of a new file (default 0o644, exact: not filtered by the umask). A replaced file keeps its own permission bits. */
  mode?: number;
  /**
   * Keep the file being replaced as `<path>.bak` (a hard link made before the rename, so the old content is
   * never absent). An existing `.bak` is first moved to `<path>.bak.<UTC timestamp>`, never deleted.
   */
  backup?: boolean;
  /** Clock for the rotated backup's name; tests pin it. */
  now?: () => Date;
}

export interface AtomicWriteResult {
  /** The `.bak` hard link to the replaced content, when `backup` was asked and there was a file to replace. */
  backup?: string;
  /** Where the previous `.bak` went, when there was one. */
  rotatedBackup?: string;
}

const TEMP_PREFIX = ".certdoctor-tmp-";
const MAX_ROTATIONS = 1000;

/** True for the writer's temp files: whoever owns a directory may remove leftovers of a crash by this name. */
export function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * Replaces `path` with `body` (whole, or chunks written as they come: a report too big for one string) so that a crash leaves either the old or the new content, never a torn file:
 * a temp file with a random name is created beside the target (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600),
 * written, given the final mode and owner, fsynced, renamed over the target, and the directory is fsynced.
 * A rename replaces a directory entry: it never writes through a link that appears at the target meanwhile.
 *
 * Throws CertdoctorError: ERR_OUTPUT_SYMLINK (the target is a symbolic link, dangling or not),
 * ERR_OUTPUT_NOT_REGULAR (a device, FIFO, socket or directory; stdout is the caller's business), or
 * ERR_OUTPUT_WRITE (the file system refused; `cause` holds the system error). The target is untouched then.
 */
export function writeFileAtomic(path: string, body: string | Uint8Array | Iterable<string>, options: AtomicWriteOptions = {}): AtomicWriteResult {
  const existing = checkTarget(path);
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, TEMP_FLAGS, 0o600);
  } catch (err) {
    throw writeError(path, "cannot create a temp file beside", err);
  }
  let renamed = false;
  try {
    try {
      if (typeof body === "string" || body instanceof Uint8Array) writeFileSync(fd, body);
      else for (const chunk of body) writeFileSync(fd, chunk);
      applyOwnerAndMode(fd, existing, options.mode ?? 0o644);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const result = options.backup && existing !== undefined ? keepBackup(path, options.now ?? (() => new Date())) : {};
    renameSync(tmp, path);
    renamed = true;
    syncDirectory(dir);
    return result;
  } catch (err) {
    if (!renamed) removeQuietly(tmp);
    if (err instanceof CertdoctorError) throw err;
    throw writeError(path, renamed ? "wrote but could not sync the directory of" : "cannot write", err);
  }
}

/**
 * `writeFileAtomic` without a synchronous call, for directories that may sit on a mount that stops answering
 * (the agent's spool): the event loop stays free, so timers and signals still run. Same guarantees and errors; no backup.
 */
export async function writeFileAtomicAsync(path: string, body: string | Uint8Array, options: Pick<AtomicWriteOptions, "mode"> = {}): Promise<void> {
  const existing = describeTarget(path, await lstat(path).catch((err: unknown) => missingOrThrow(path, err)));
  const tmp = tempPathFor(path);
  let handle: FileHandle;
  try {
    handle = await open(tmp, TEMP_FLAGS, 0o600);
  } catch (err) {
    throw writeError(path, "cannot create a temp file beside", err);
  }
  let renamed = false;
  try {
    try {
      await handle.writeFile(body);
      if (existing !== undefined && process.geteuid?.() === 0) await handle.chown(existing.uid, existing.gid);
      await handle.chmod(existing === undefined ? (options.mode ?? 0o644) & 0o777 : existing.mode & 0o777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDirectoryAsync(dirname(path));
  } catch (err) {
    if (!renamed) await unlink(tmp).catch(() => undefined);
    if (err instanceof CertdoctorError) throw err;
    throw writeError(path, renamed ? "wrote but could not sync the directory of" : "cannot write", err);
  }
}

/** `syncDirectory` through the thread pool. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function tempPathFor(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${randomBytes(8).toString("hex")}-${basename(path).slice(0, 180)}`);
}

/** Makes a rename or unlink in `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The target's current state: undefined when absent; throws for anything but a regular file. */
function checkTarget(path: string): Stats | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    return missingOrThrow(path, err);
  }
  return describeTarget(path, st);
}

function missingOrThrow(path: string, err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw writeError(path, "cannot inspect", err);
}

/** `st` (the target's lstat) when it is a regular file, undefined when absent; throws for anything else. */
function describeTarget(path: string, st: Stats | undefined): Stats | undefined {
  if (st === undefined) return undefined;
  if (st.isSymbolicLink()) {
    throw new CertdoctorError(ErrorCode.ERR_OUTPUT_SYMLINK, `${path} is a symbolic link; certdoctor does not write through links: give the link's target instead`);
  }
  if (!st.isFile()) {
    throw new CertdoctorError(ErrorCode.ERR_OUTPUT_NOT_REGULAR, `${path} is ${describeKind(st)}, not a regular file; certdoctor only replaces regular files (omit the flag or give "-" for stdout)`);
  }
  return st;
}

function describeKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "a special file";
}

/**
 * A replaced file keeps its permission bits (setuid/setgid/sticky dropped) and, when certdoctor runs as root,
 * its owner and group: rewriting root's 0600 kubeconfig must not make it world-readable or change hands.
 */
function applyOwnerAndMode(fd: number, existing: Stats | undefined, newMode: number): void {
  if (existing !== undefined && process.geteuid?.() === 0) fchownSync(fd, existing.uid, existing.gid);
  fchmodSync(fd, existing === undefined ? newMode & 0o777 : existing.mode & 0o777);
}

/** Hard-links the current file as `.bak`, first moving an existing `.bak` to a timestamped name (link + unlink: never overwritten). */
function keepBackup(path: string, now: () => Date): AtomicWriteResult {
  const backup = `${path}.bak`;
  const result: AtomicWriteResult = { backup };
  if (exists(backup)) {
    const stamp = now().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    for (let i = 0; result.rotatedBackup === undefined; i++) {
      const candidate = i === 0 ? `${backup}.${stamp}` : `${backup}.${stamp}-${i}`;
      try {
        linkSync(backup, candidate);
        result.rotatedBackup = candidate;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || i >= MAX_ROTATIONS) throw writeError(path, `cannot rotate the existing backup ${backup} of`, err);
      }
    }
    unlinkSync(backup);
  }
  try {
    linkSync(path, backup);
  } catch (err) {
    throw writeError(path, "cannot keep a backup of", err);
  }
  return result;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or the directory became unwritable: nothing more can be done
  }
}

function writeError(path: string, what: string, err: unknown): CertdoctorError {
  const code = (err as NodeJS.ErrnoException).code ?? "write failed";
  return new CertdoctorError(ErrorCode.ERR_OUTPUT_WRITE, `${what} ${path}: ${code}`, { cause: err });
}
