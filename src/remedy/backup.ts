/**
 * `certdoctor backup`: certificate directories into one encrypted archive. Inside the ciphertext: a
 * manifest (every file's root-relative path, mode, owner, size, SHA-256 and the fingerprints of the
 * certificates it holds) and the file bytes. Symlinks are kept as links (kubelet rotation needs
 * kubelet-client-current.pem to stay one) and never followed; devices, FIFOs and sockets are skipped.
 */
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { hexSha256 } from "../pki/fingerprint.js";
import { scanPem } from "../pki/pem.js";
import { looksLikeDerCertificate } from "../pki/x509.js";
import { sealArchive, type BackupKey } from "./archive.js";
import { readRegularFile } from "./cert-file.js";
import type { BackedUpObject } from "./backup-objects.js";
import { decodeBase64 } from "../pki/base64.js";

export interface ManifestEntry {
  /** Index into `roots`. */
  root: number;
  /** Path below the root, "/"-separated, no "." or ".." segments; "" when the root is this file. */
  path: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  /** Files: byte count, offset into the payload's data section, SHA-256 (hex). */
  size?: number;
  offset?: number;
  sha256?: string;
  /** Symlinks: the link text, as readlink gives it. */
  target?: string;
  /** SHA-256 fingerprints of the certificates in the file. */
  certificates?: string[];
}

/** A Kubernetes object from `--kube`: its stripped JSON is in the data section. */
export interface ObjectEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  size: number;
  offset: number;
  sha256: string;
  certificates: string[];
}

export interface Manifest {
  format: "certdoctor-backup-manifest";
  version: 1;
  createdAt: string;
  /** Absolute paths given with --path. */
  roots: string[];
  entries: ManifestEntry[];
  /** Kubernetes objects (`backup --kube`); restored as manifests for `kubectl apply --server-side`. */
  objects: ObjectEntry[];
  skipped: Array<{ path: string; reason: string }>;
}

export interface BackupLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  maxDepth: number;
}

export const defaultBackupLimits: BackupLimits = { maxFileBytes: 16 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxEntries: 100_000, maxDepth: 64 };

/** Reads the trees and returns the manifest and the plaintext payload (manifest + data). */
export function collectBackup(paths: readonly string[], now: Date, limits: BackupLimits = defaultBackupLimits, objects: readonly BackedUpObject[] = []): { manifest: Manifest; payload: Buffer } {
  const roots = paths.map((p) => resolve(p));
  for (const r of roots) if (!isAbsolute(r)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--path must be absolute: ${r}`);
  const manifest: Manifest = { format: "certdoctor-backup-manifest", version: 1, createdAt: now.toISOString(), roots, entries: [], objects: [], skipped: [] };
  const chunks: Buffer[] = [];
  let offset = 0;
  const visit = (root: number, abs: string, rel: string, depth: number): void => {
    if (manifest.entries.length >= limits.maxEntries) throw new CertdoctorError(ErrorCode.ERR_BACKUP_TOO_LARGE, `more than ${limits.maxEntries} entries under the given paths`);
    let st;
    try {
      st = lstatSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      if (rel === "") throw new CertdoctorError(code === "ENOENT" ? ErrorCode.ERR_PATH_NOT_FOUND : ErrorCode.ERR_USAGE, `cannot read --path ${abs}: ${code}`, { cause: err });
      manifest.skipped.push({ path: abs, reason: code });
      return;
    }
    const base = { root, path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isSymbolicLink()) {
      manifest.entries.push({ ...base, type: "symlink", target: readlinkSync(abs) });
    } else if (st.isDirectory()) {
      if (depth > limits.maxDepth) {
        manifest.skipped.push({ path: abs, reason: `deeper than ${limits.maxDepth} directories` });
        return;
      }
      manifest.entries.push({ ...base, type: "dir" });
      for (const name of readdirSync(abs).sort()) visit(root, join(abs, name), rel === "" ? name : `${rel}/${name}`, depth + 1);
    } else if (st.isFile()) {
      if (st.size > limits.maxFileBytes) {
        manifest.skipped.push({ path: abs, reason: `larger than ${limits.maxFileBytes} bytes` });
        return;
      }
      const data = readFileNoFollow(abs, limits.maxFileBytes);
      if (offset + data.length > limits.maxTotalBytes) throw new CertdoctorError(ErrorCode.ERR_BACKUP_TOO_LARGE, `the files under the given paths exceed ${limits.maxTotalBytes} bytes`);
      manifest.entries.push({ ...base, type: "file", size: data.length, offset, sha256: createHash("sha256").update(data).digest("hex"), certificates: certificatesIn(data) });
      chunks.push(data);
      offset += data.length;
    } else {
      manifest.skipped.push({ path: abs, reason: "not a regular file, directory or symlink" });
    }
  };
  roots.forEach((r, i) => visit(i, r, "", 0));
  for (const o of objects) {
    if (offset + o.body.length > limits.maxTotalBytes) throw new CertdoctorError(ErrorCode.ERR_BACKUP_TOO_LARGE, `the files and objects exceed ${limits.maxTotalBytes} bytes`);
    manifest.objects.push({ apiVersion: o.apiVersion, kind: o.kind, ...(o.namespace === undefined ? {} : { namespace: o.namespace }), name: o.name, size: o.body.length, offset, sha256: createHash("sha256").update(o.body).digest("hex"), certificates: certificatesInObject(o.body) });
    chunks.push(o.body);
    offset += o.body.length;
  }
  const manifestBytes = Buffer.from(JSON.stringify(manifest), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(manifestBytes.length);
  return { manifest, payload: Buffer.concat([head, manifestBytes, ...chunks]) };
}

/** Collects and encrypts; the plaintext payload is zeroed once sealed. */
export function createBackup(paths: readonly string[], key: BackupKey, now: Date, limits?: BackupLimits, objects: readonly BackedUpObject[] = []): { manifest: Manifest; archive: Buffer } {
  const { manifest, payload } = collectBackup(paths, now, limits, objects);
  try {
    return { manifest, archive: sealArchive(payload, key) };
  } finally {
    payload.fill(0);
  }
}

/** A file's bytes through an O_NOFOLLOW descriptor; one that grew past the bound meanwhile is an error. */
function readFileNoFollow(path: string, max: number): Buffer {
  try {
    return readRegularFile(path, max).bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EFBIG") throw new CertdoctorError(ErrorCode.ERR_BACKUP_TOO_LARGE, `${path} grew beyond ${max} bytes while being read`);
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
  }
}

/** Fingerprints of the certificates in an object's values (base64 Secret data, PEM ConfigMap data, caBundles). */
function certificatesInObject(body: Buffer): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.includes("-----BEGIN ")) for (const fp of certificatesIn(Buffer.from(v, "latin1"))) out.add(fp);
      else if (v.length >= 64 && /^[A-Za-z0-9+/=\s]+$/.test(v)) {
        const bytes = decodeBase64(v);
        if (bytes !== undefined) for (const fp of certificatesIn(bytes)) out.add(fp);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(visit);
  };
  visit(JSON.parse(body.toString("utf8")));
  return [...out];
}

function certificatesIn(data: Buffer): string[] {
  if (looksLikeDerCertificate(data)) return [hexSha256(data)];
  const text = data.toString("latin1");
  if (!text.includes("-----BEGIN ")) return [];
  return scanPem(text, 1024 * 1024).blocks.filter((b) => b.label === "CERTIFICATE" || b.label === "TRUSTED CERTIFICATE").map((b) => hexSha256(b.der));
}
