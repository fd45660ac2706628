import { fileRef, formatRef, kubeconfigRef, withKey, type SourceRef } from "../../model/ref.js";
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { readMaterial, type MaterialPlace } from "../material.js";

export interface KubeconfigFile {
  path: string;
  symlink?: boolean;
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
  const target = resolveReference(reference, file.path);
  if (target === undefined) {
    out.push({ code: ErrorCode.ERR_KUBECONFIG_REF_MISSING, ref, message: `referenced file ${reference} does not exist`, material: true });
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
    bytes = readFileSync(target.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === "EACCES" ? ErrorCode.ERR_SOURCE_PERMISSION_DENIED : ErrorCode.ERR_SOURCE_UNREADABLE;
    out.push({ code, ref: fileRefText, message: `referenced file ${reference} could not be read`, material: true });
    return;
  }
  const items = only(want, readMaterial(bytes, { ...place, path: target.path, symlink: target.symlink, ref: referenced }, ctx));
  out.push(...(items.length > 0 ? items : [notMaterial(fileRefText)]));
}

/**
 * Relative references resolve against the kubeconfig's directory. An absolute one is first tried under
 * each ancestor of the kubeconfig (a node dump such as /dump/node1/etc/kubernetes/kubelet.conf naming
 * /var/lib/kubelet/pki/x.pem finds /dump/node1/var/lib/kubelet/pki/x.pem), then as is.
 */
export function resolveReference(reference: string, kubeconfigPath: string): { path: string; size: number; symlink: boolean } | undefined {
  const candidates: string[] = [];
  if (isAbsolute(reference)) {
    for (let dir = dirname(dirname(kubeconfigPath)); dir !== dirname(dir); dir = dirname(dir)) candidates.push(join(dir, reference));
    candidates.push(reference);
  } else {
    candidates.push(resolve(dirname(kubeconfigPath), reference));
  }
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    try {
      const stats = statSync(candidate);
      // The referenced file's own link status matters (kubelet-client-current.pem must be a symlink).
      if (stats.isFile()) return { path: candidate, size: stats.size, symlink: lstatSync(candidate).isSymbolicLink() };
    } catch {
      // vanished or unreadable: try the next candidate
    }
  }
  return undefined;
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
