/**
 * `certdoctor restore`: decrypt, authenticate and check everything first — the tag, every file's
 * SHA-256, every path (relative, no "..", inside the target root, no symlink on the way, symlink
 * entries that stay inside the root) and what exists at each target — and only then write, each file
 * atomically through the safe writer, keeping what it replaces as `.bak`. Nothing is written when any
 * check fails.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fchmodSync, fchownSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, symlinkSync, linkSync, unlinkSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { randomBytes } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { syncDirectory, writeFileAtomic } from "../fs/write-atomic.js";
import { openArchive, type BackupKey } from "./archive.js";
import type { Manifest, ManifestEntry, ObjectEntry } from "./backup.js";

export type RestoreActionKind = "create" | "replace" | "unchanged";

export interface RestoreAction {
  target: string;
  type: ManifestEntry["type"];
  action: RestoreActionKind;
  mode: number;
  certificates: string[];
  entry: ManifestEntry;
}

/** A Kubernetes object of the archive, written as `<kind>-<namespace>-<name>.json` under `--objects-to`. */
export interface ObjectAction {
  entry: ObjectEntry;
  /** `kind/namespace/name` for display. */
  id: string;
  file: string;
}

export interface RestorePlan {
  manifest: Manifest;
  actions: RestoreAction[];
  objects: ObjectAction[];
  /** The directory everything is restored under ("/" or --to). */
  base: string;
  /** The decrypted data section; zero it when done. */
  data: Buffer;
}

const unsafe = (message: string) => new CertdoctorError(ErrorCode.ERR_RESTORE_UNSAFE, message);
const invalid = (message: string) => new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `${message}; nothing was written`);

/** Everything restore checks before writing. `to`: restore under this directory instead of "/". */
export function planRestore(archive: Buffer, key: BackupKey, options: { to?: string } = {}): RestorePlan {
  try {
    return checkRestore(archive, key, options);
  } catch (err) {
    if (err instanceof CertdoctorError && err.code === ErrorCode.ERR_RESTORE_UNSAFE) throw unsafe(`${err.message}; nothing was written`);
    throw err;
  }
}

function checkRestore(archive: Buffer, key: BackupKey, options: { to?: string }): RestorePlan {
  const payload = openArchive(archive, key);
  const { manifest, data } = parsePayload(payload);
  const base = resolve(options.to ?? "/");
  const actions: RestoreAction[] = [];
  const targets = new Set<string>();
  for (const entry of manifest.entries) {
    const root = manifest.roots[entry.root]!;
    const rootTarget = join(base, root);
    const target = entry.path === "" ? rootTarget : join(rootTarget, ...entry.path.split("/"));
    if (!isInside(base, target)) throw unsafe(`manifest entry ${entry.path} points outside ${base}`);
    if (targets.has(target)) throw invalid(`manifest lists ${target} twice`);
    targets.add(target);
    if (entry.type === "file") {
      const bytes = data.subarray(entry.offset!, entry.offset! + entry.size!);
      if (createHash("sha256").update(bytes).digest("hex") !== entry.sha256) throw invalid(`checksum mismatch for ${entry.path || root}`);
    }
    if (entry.type === "symlink") {
      const t = entry.target!;
      if (isAbsolute(t) || t.includes("\0") || !isInside(rootTarget, resolve(dirname(target), t)) || resolve(dirname(target), t) === rootTarget) {
        throw unsafe(`symlink ${entry.path} -> ${t} leads outside the restored tree`);
      }
    }
    checkAncestors(base, target);
    actions.push({ target, type: entry.type, action: currentState(entry, target, data), mode: entry.mode, certificates: entry.certificates ?? [], entry });
  }
  const objects: ObjectAction[] = [];
  const files = new Set<string>();
  for (const o of manifest.objects) {
    if (createHash("sha256").update(data.subarray(o.offset, o.offset + o.size)).digest("hex") !== o.sha256) throw invalid(`checksum mismatch for ${o.kind} ${o.name}`);
    const file = `${o.kind.toLowerCase()}-${o.namespace ?? "cluster"}-${o.name}.json`;
    if (files.has(file)) throw invalid(`manifest lists ${o.kind} ${o.namespace ?? ""}/${o.name} twice`);
    files.add(file);
    objects.push({ entry: o, id: `${o.kind}/${o.namespace === undefined ? "" : `${o.namespace}/`}${o.name}`, file });
  }
  return { manifest, actions, objects, base, data };
}

/** Writes what the plan lists, directories first, then files, then symlinks; returns what it wrote. */
export function applyRestore(plan: RestorePlan, options: { now?: () => Date; objectsTo?: string } = {}): Array<{ target: string; backup?: string }> {
  const written: Array<{ target: string; backup?: string }> = [];
  const order = { dir: 0, file: 1, symlink: 2 } as const;
  const todo = plan.actions.filter((a) => a.action !== "unchanged").sort((a, b) => order[a.type] - order[b.type]);
  const asRoot = process.geteuid?.() === 0;
  for (const a of todo) {
    // Checked again right before each write: a directory may have been swapped for a link since the plan.
    checkAncestors(plan.base, a.target);
    if (a.type === "dir") {
      mkdirSync(a.target, { recursive: true, mode: 0o700 });
      fixModeAndOwner(a.target, a.entry, asRoot, constants.O_DIRECTORY);
      written.push({ target: a.target });
    } else if (a.type === "file") {
      mkdirSync(dirname(a.target), { recursive: true, mode: 0o755 });
      const bytes = plan.data.subarray(a.entry.offset!, a.entry.offset! + a.entry.size!);
      const r = writeFileAtomic(a.target, bytes, { mode: a.mode & 0o777, backup: true, ...(options.now ? { now: options.now } : {}) });
      fixModeAndOwner(a.target, a.entry, asRoot, 0);
      written.push({ target: a.target, ...(r.backup === undefined ? {} : { backup: r.backup }) });
    } else {
      mkdirSync(dirname(a.target), { recursive: true, mode: 0o755 });
      written.push(replaceSymlink(a.target, a.entry.target!));
    }
  }
  if (options.objectsTo !== undefined && plan.objects.length > 0) {
    const dir = resolve(options.objectsTo);
    checkAncestors(dirname(dir), join(dir, "x"));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const o of plan.objects) {
      const target = join(dir, o.file);
      // Secrets hold private keys: the manifests are for the operator only.
      const r = writeFileAtomic(target, plan.data.subarray(o.entry.offset, o.entry.offset + o.entry.size), { mode: 0o600, backup: true, ...(options.now ? { now: options.now } : {}) });
      written.push({ target, ...(r.backup === undefined ? {} : { backup: r.backup }) });
    }
  }
  for (const a of todo) {
    if (a.type !== "file") continue;
    const got = createHash("sha256").update(readFileSync(a.target)).digest("hex");
    if (got !== a.entry.sha256) throw new CertdoctorError(ErrorCode.ERR_OUTPUT_WRITE, `${a.target} does not read back as written`);
  }
  return written;
}

function parsePayload(payload: Buffer): { manifest: Manifest; data: Buffer } {
  if (payload.length < 4) throw invalid("the archive holds no manifest");
  const n = payload.readUInt32BE(0);
  if (n > payload.length - 4) throw invalid("the manifest is truncated");
  let m: unknown;
  try {
    m = JSON.parse(payload.subarray(4, 4 + n).toString("utf8"));
  } catch {
    throw invalid("the manifest is not valid JSON");
  }
  const data = payload.subarray(4 + n);
  const manifest = m as Manifest;
  if (typeof m !== "object" || m === null || manifest.format !== "certdoctor-backup-manifest" || manifest.version !== 1 || !Array.isArray(manifest.roots) || !Array.isArray(manifest.entries)) {
    throw invalid("the manifest is not a certdoctor backup manifest");
  }
  for (const r of manifest.roots) {
    if (typeof r !== "string" || !isAbsolute(r) || r.includes("\0") || resolve(r) !== r) throw unsafe(`manifest root ${JSON.stringify(r)} is not a plain absolute path`);
  }
  for (const e of manifest.entries) checkEntry(e, manifest.roots.length, data.length);
  manifest.objects ??= [];
  if (!Array.isArray(manifest.objects)) throw invalid("the manifest's objects are not a list");
  for (const o of manifest.objects) checkObject(o, data.length);
  return { manifest, data };
}

function checkEntry(e: ManifestEntry, roots: number, dataLength: number): void {
  if (typeof e !== "object" || e === null) throw invalid("a manifest entry is not an object");
  if (!Number.isInteger(e.root) || e.root < 0 || e.root >= roots) throw invalid("a manifest entry names no root");
  if (typeof e.path !== "string") throw invalid("a manifest entry has no path");
  if (e.path !== "" && (e.path.startsWith("/") || e.path.split("/").some((s) => s === "" || s === "." || s === ".." || s.includes("\0") || s.includes("\\")))) {
    throw unsafe(`manifest path ${JSON.stringify(e.path)} is absolute or leaves its root ("..")`);
  }
  if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777) throw invalid(`bad mode for ${e.path}`);
  if (e.type === "file") {
    const ok = Number.isInteger(e.offset) && Number.isInteger(e.size) && e.offset! >= 0 && e.size! >= 0 && e.offset! + e.size! <= dataLength && typeof e.sha256 === "string";
    if (!ok) throw invalid(`file entry ${e.path} points outside the archive's data`);
  } else if (e.type === "symlink") {
    if (typeof e.target !== "string" || e.target.length === 0) throw invalid(`symlink entry ${e.path} has no target`);
  } else if (e.type !== "dir") {
    throw invalid(`unknown entry type for ${e.path}`);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Object names become file names: only what Kubernetes itself allows (no "/", no ".."). */
function checkObject(o: ObjectEntry, dataLength: number): void {
  if (typeof o !== "object" || o === null) throw invalid("an object entry is not an object");
  if (typeof o.kind !== "string" || !/^[A-Za-z]{1,63}$/.test(o.kind) || typeof o.apiVersion !== "string") throw invalid("an object entry has no valid kind");
  if (typeof o.name !== "string" || !DNS_SUBDOMAIN.test(o.name) || o.name.includes("..")) throw unsafe(`object name ${JSON.stringify(o.name)} is not a Kubernetes name`);
  if (o.namespace !== undefined && (typeof o.namespace !== "string" || !DNS_LABEL.test(o.namespace))) throw unsafe(`object namespace ${JSON.stringify(o.namespace)} is not a Kubernetes namespace`);
  const ok = Number.isInteger(o.offset) && Number.isInteger(o.size) && o.offset >= 0 && o.size >= 0 && o.offset + o.size <= dataLength && typeof o.sha256 === "string";
  if (!ok) throw invalid(`object ${o.name} points outside the archive's data`);
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Refuses when a directory between `base` and `target` is a symlink or not a directory. */
function checkAncestors(base: string, target: string): void {
  const rel = relative(base, dirname(target));
  let p = base;
  const parts = rel === "" ? [] : rel.split(sep);
  for (const part of ["", ...parts]) {
    p = part === "" ? p : join(p, part);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw unsafe(`cannot inspect ${p}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
    if (st.isSymbolicLink()) throw unsafe(`${p} is a symbolic link; restore never writes through links (use --to with the link's target)`);
    if (!st.isDirectory()) throw unsafe(`${p} is not a directory`);
  }
}

function currentState(entry: ManifestEntry, target: string, data: Buffer): RestoreActionKind {
  let st: Stats;
  try {
    st = lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "create";
    throw unsafe(`cannot inspect ${target}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (entry.type === "dir") {
    if (!st.isDirectory()) throw unsafe(`${target} exists and is not a directory`);
    return (st.mode & 0o7777) === entry.mode ? "unchanged" : "replace";
  }
  if (entry.type === "symlink") {
    if (st.isSymbolicLink()) return readlinkSync(target) === entry.target ? "unchanged" : "replace";
    if (!st.isFile()) throw unsafe(`${target} exists and is not a regular file or symlink`);
    return "replace";
  }
  if (st.isSymbolicLink()) throw unsafe(`${target} is a symbolic link; restore never writes through links`);
  if (!st.isFile()) throw unsafe(`${target} exists and is not a regular file`);
  const bytes = data.subarray(entry.offset!, entry.offset! + entry.size!);
  const same = st.size === entry.size && createHash("sha256").update(readFileSync(target)).digest("hex") === entry.sha256;
  return same && (st.mode & 0o7777) === entry.mode && bytes.length === st.size ? "unchanged" : "replace";
}

/** Mode (and owner, as root) from the manifest, through an O_NOFOLLOW descriptor: never through a link. */
function fixModeAndOwner(path: string, entry: ManifestEntry, asRoot: boolean, extraFlags: number): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | extraFlags);
  try {
    if (asRoot) fchownSync(fd, entry.uid, entry.gid);
    fchmodSync(fd, entry.mode);
  } finally {
    closeSync(fd);
  }
}

/** A symlink is replaced by renaming a new link over it (the rename never follows the old one). */
function replaceSymlink(target: string, linkText: string): { target: string; backup?: string } {
  const tmp = join(dirname(target), `.certdoctor-tmp-${randomBytes(8).toString("hex")}-link`);
  symlinkSync(linkText, tmp);
  let backup: string | undefined;
  try {
    const st = lstatSync(target, { throwIfNoEntry: false });
    if (st?.isFile()) {
      backup = `${target}.bak`;
      if (lstatSync(backup, { throwIfNoEntry: false }) !== undefined) throw unsafe(`${backup} exists; move it away first`);
      linkSync(target, backup);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or removed
    }
    throw err;
  }
  syncDirectory(dirname(target));
  return { target, ...(backup === undefined ? {} : { backup }) };
}
