import { fileRef, formatRef, kubeconfigRef, withKey, type SourceRef } from "../../model/ref.js";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, statSync, type Stats } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { isInside, isSystemPath, resolvePath } from "../../fs/confine.js";
import { findLayoutRoot, layoutDirs } from "../../layouts/roots.js";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { readMaterial, type MaterialPlace } from "../material.js";

export interface KubeconfigFile {
  path: string;
  symlink?: boolean;
  /** The path to open when it differs from `path` (FileEntry.real): relative references resolve against its directory. */
  real?: string;
}

type Out = Array<RawItem | ScanIssue>;

/** `kind: Config`, or a document with `clusters` and `users` lists. */
export function isKubeconfig(doc: unknown): doc is Record<string, unknown> {
  if (!isRecord(doc)) return false;
  if (doc.kind === "Config") return true;
  return doc.kind === undefined && Array.isArray(doc.clusters) && Array.isArray(doc.users);
}

/**
 * Items of one kubeconfig. Refs: CA data `kubeconfig:/path#clusters/NAME` (anchor), client cert
 * `kubeconfig:/path#users/NAME`, client key `kubeconfig:/path#users/NAME/key`; `/N` is appended when a
 * value holds several PEM blocks. Referenced files keep their own `file:` refs with the kubeconfig's
 * context, anchor and pair. Context for all: `kubeconfig:/path`.
 */
export function readKubeconfig(doc: Record<string, unknown>, file: KubeconfigFile, ctx: ReadContext): Out {
  const out: Out = [];
  const kubeconfig = kubeconfigRef(file.path);
  const base = formatRef(kubeconfig);
  const clusters = Array.isArray(doc.clusters) ? doc.clusters : [];
  const users = Array.isArray(doc.users) ? doc.users : [];
  clusters.slice(0, ctx.limits.maxManifestObjects).forEach((entry, i) => {
    const name = nameOf(entry, i);
    const cluster = isRecord(entry) && isRecord(entry.cluster) ? entry.cluster : {};
    const ref = withKey(kubeconfig, `clusters/${name}`);
    const place = { context: base, path: file.path, anchor: true, ...symlinkOf(file) };
    readField("cert", cluster["certificate-authority-data"], cluster["certificate-authority"], ref, place, file, ctx, out);
  });
  users.slice(0, ctx.limits.maxManifestObjects).forEach((entry, i) => {
    const name = nameOf(entry, i);
    const user = isRecord(entry) && isRecord(entry.user) ? entry.user : {};
    const ref = withKey(kubeconfig, `users/${name}`);
    const place = { context: base, path: file.path, pair: formatRef(ref), ...symlinkOf(file) };
    readField("cert", user["client-certificate-data"], user["client-certificate"], ref, place, file, ctx, out);
    readField("key", user["client-key-data"], user["client-key"], withKey(kubeconfig, `users/${name}/key`), place, file, ctx, out);
  });
  return out;
}

const REFERENCE_PROBLEMS: Record<"missing" | "outside" | "special", readonly [ErrorCode, string]> = {
  missing: [ErrorCode.ERR_KUBECONFIG_REF_MISSING, "does not exist"],
  outside: [ErrorCode.ERR_SOURCE_OUTSIDE_ROOT, "is outside the scanned tree; not read (add its directory to the scan to check it)"],
  special: [ErrorCode.ERR_SOURCE_NOT_REGULAR, "is not a regular file (a device, FIFO, socket or directory, or under /proc, /sys or /dev); not read"],
};

/** `want` keeps only that item type: kubelet.conf names one combined PEM file as both client cert and key. */
function readField(
  want: "cert" | "key",
  data: unknown,
  reference: unknown,
  at: SourceRef,
  place: Omit<MaterialPlace, "ref">,
  file: KubeconfigFile,
  ctx: ReadContext,
  out: Out,
): void {
  const ref = formatRef(at);
  if (typeof data === "string" && data.trim() !== "") {
    const text = data.includes("-----BEGIN ") ? data : undefined;
    const bytes = text !== undefined ? new Uint8Array(Buffer.from(text)) : decodeBase64Value(data);
    if (bytes === undefined) {
      out.push({ code: ErrorCode.ERR_BASE64_INVALID, ref, message: "embedded data is not valid base64", material: true });
      return;
    }
    const items = only(want, readMaterial(bytes, { ...place, ref: at }, ctx, text));
    out.push(...(items.length > 0 ? items : [notMaterial(ref)]));
    return;
  }
  if (typeof reference !== "string" || reference.trim() === "") return;
  const target = resolveReference(reference, file, ctx);
  if (target.kind !== "file") {
    const [code, what] = REFERENCE_PROBLEMS[target.kind];
    out.push({ code, ref, message: `referenced file ${reference} ${what}`, material: true });
    return;
  }
  const referenced = fileRef(target.path);
  const fileRefText = formatRef(referenced);
  if (target.size > ctx.limits.maxFileBytes) {
    out.push({ code: ErrorCode.ERR_FILE_TOO_LARGE, ref: fileRefText, message: `referenced file is over the ${ctx.limits.maxFileBytes} byte limit`, material: false });
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(target.open);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === "EACCES" ? ErrorCode.ERR_SOURCE_PERMISSION_DENIED : ErrorCode.ERR_SOURCE_UNREADABLE;
    out.push({ code, ref: fileRefText, message: `referenced file ${reference} could not be read`, material: true });
    return;
  }
  const items = only(want, readMaterial(bytes, { ...place, path: target.path, symlink: target.symlink, ref: referenced }, ctx));
  out.push(...(items.length > 0 ? items : [notMaterial(fileRefText)]));
}

export type ReferenceTarget =
  | { kind: "file"; path: string; open: string; size: number; symlink: boolean }
  | { kind: "missing" | "outside" | "special" };

/**
 * Relative references resolve against the kubeconfig's directory. An absolute one is first tried under
 * each ancestor of the kubeconfig (a node dump such as /dump/node1/etc/kubernetes/kubelet.conf naming
 * /var/lib/kubelet/pki/x.pem finds /dump/node1/var/lib/kubelet/pki/x.pem), then as the node names it
 * (inside the node root under the agent's --root). Only a regular file inside the scanned tree is read:
 * the scanned roots, and the layout directories (/etc/kubernetes, /var/lib/kubelet, ...) of the
 * kubeconfig's own node; never /proc, /sys or /dev. The first candidate that is readable wins; otherwise
 * the answer says truthfully why none was: not a regular file, outside the scanned tree, or missing.
 */
export function resolveReference(reference: string, file: KubeconfigFile, ctx: ReadContext): ReferenceTarget {
  if (reference.includes("\0")) return { kind: "missing" };
  const confine = ctx.confine;
  const base = file.real ?? file.path;
  const candidates: string[] = [];
  if (isAbsolute(reference)) {
    for (let dir = dirname(dirname(base)); dir !== dirname(dir); dir = dirname(dir)) candidates.push(join(dir, reference));
    candidates.push(confine?.nodeRoot === undefined ? reference : join(confine.nodeRoot, reference));
  } else {
    candidates.push(resolve(dirname(base), reference));
  }
  const node = findLayoutRoot(file.path)?.node;
  const allowed = [...(confine?.roots ?? ["/"]), ...(node === undefined ? [] : layoutDirs(node))];
  let best: ReferenceTarget = { kind: "missing" };
  for (const candidate of candidates) {
    const real = resolvePath(candidate, confine?.nodeRoot);
    if (real === undefined) continue;
    if (isSystemPath(real, confine)) {
      best = { kind: "special" };
      continue;
    }
    if (!isInside(real, allowed)) {
      if (best.kind === "missing") best = { kind: "outside" };
      continue;
    }
    let stats: Stats;
    try {
      stats = statSync(real);
    } catch {
      continue; // vanished or unreadable: try the next candidate
    }
    if (!stats.isFile()) {
      best = { kind: "special" };
      continue;
    }
    // The referenced file's own link status matters (kubelet-client-current.pem must be a symlink).
    return { kind: "file", path: candidate, open: real, size: stats.size, symlink: isLink(candidate, confine?.nodeRoot) };
  }
  return best;
}

function isLink(path: string, nodeRoot: string | undefined): boolean {
  const parent = resolvePath(dirname(path), nodeRoot);
  try {
    return parent !== undefined && lstatSync(join(parent, basename(path))).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Reads a resolved regular file without following a link or blocking on a FIFO swapped in since it was checked. */
function readRegularFile(path: string): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function only(want: "cert" | "key", items: Out): Out {
  return items.filter((i) => !("type" in i) || i.type === want);
}

function notMaterial(ref: string): ScanIssue {
  return { code: ErrorCode.ERR_KUBECONFIG_INVALID, ref, message: "value holds no certificate or key", material: true };
}

function nameOf(entry: unknown, index: number): string {
  return isRecord(entry) && typeof entry.name === "string" && entry.name !== "" ? entry.name : String(index);
}

function symlinkOf(file: KubeconfigFile): { symlink?: boolean } {
  return file.symlink === undefined ? {} : { symlink: file.symlink };
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
