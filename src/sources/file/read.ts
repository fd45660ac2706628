import { dirRef, fileRef, formatRef } from "../../model/ref.js";
import { isAscii } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { isKubeconfig, readKubeconfig } from "../kubeconfig/read-kubeconfig.js";
import { parseDocuments } from "../manifest/parse-documents.js";
import { isKubernetesDocument, readManifestObjects } from "../manifest/read-objects.js";
import { looksLikeTruncatedDer, readMaterial, sniffMaterial, type MaterialPlace } from "../material.js";
import { hasCertExtension, hasTextConfigExtension, isAnchorFileName, stemPairId } from "./naming.js";
import { demoteNoise } from "./noise.js";
import type { FileEntry } from "./walk.js";
import { notStructuredIssue, salvageMaterial } from "./salvage.js";

type Out = Array<RawItem | ScanIssue>;

/** Text that opens like YAML/JSON Kubernetes content: a JSON value or a top-level kubeconfig/manifest key. */
const STRUCTURED_HINT = /^(?:apiVersion|kind|clusters|users|items|contexts|current-context)\s*:/m;

/**
 * Reads one file and classifies it by content (extensions only decide whether unrecognized content is
 * worth an issue). Binary junk: an ERR_DER_INVALID issue (material) when the name says it should be a
 * certificate (.crt/.der/.pem/.p12 ...), an ERR_FILE_BINARY note for .yaml/.json/.conf names, and
 * nothing otherwise, since node dumps are full of binaries that are not certificate material.
 */
export function readFileItems(entry: FileEntry, ctx: ReadContext): Out {
  const ref = formatRef(fileRef(entry.path));
  let bytes: Buffer | undefined;
  try {
    bytes = readBounded(entry.real ?? entry.path, ctx.limits.maxFileBytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTREG" || code === "ELOOP") return [{ code: ErrorCode.ERR_SOURCE_NOT_REGULAR, ref, message: "not a regular file when opened (replaced during the scan?); not read", material: false }];
    const denied = code === "EACCES" || code === "EPERM";
    return [{ code: denied ? ErrorCode.ERR_SOURCE_PERMISSION_DENIED : ErrorCode.ERR_SOURCE_UNREADABLE, ref, message: denied ? "permission denied" : `unreadable (${code ?? "unknown error"})`, material: false }];
  }
  if (bytes === undefined) {
    return [{ code: ErrorCode.ERR_FILE_TOO_LARGE, ref, message: `skipped: over the ${ctx.limits.maxFileBytes} byte limit`, material: false }];
  }
  if (bytes.length === 0) return [];
  if (isBinary(bytes)) return demoteNoise(readBinary(bytes, entry, ctx), entry.path, { binary: true });
  const text = decodeText(bytes);
  return demoteNoise(readText(text, bytes, entry, ctx), entry.path, { binary: false, text });
}

function readText(text: string, bytes: Uint8Array, entry: FileEntry, ctx: ReadContext): Out {
  const ref = formatRef(fileRef(entry.path));
  const hasPem = text.includes("-----BEGIN ");
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[") || STRUCTURED_HINT.test(text)) {
    const file = { path: entry.path, symlink: entry.symlink, ...(entry.real === undefined ? {} : { real: entry.real }) };
    const { docs, issues } = parseDocuments(text, ref, ctx);
    const kubeconfigs = docs.filter(isKubeconfig);
    const objects = docs.filter((d) => !isKubeconfig(d) && isKubernetesDocument(d));
    const broken = issues.some((i) => i.code === ErrorCode.ERR_YAML_INVALID || i.code === ErrorCode.ERR_YAML_LIMIT);
    if (kubeconfigs.length > 0 || objects.length > 0) {
      const out: Out = [...issues];
      for (const kc of kubeconfigs) out.push(...readKubeconfig(kc, file, ctx));
      out.push(...readManifestObjects(objects, file, ctx));
      if (!broken) {
        if (out.length > 0) return out;
        // Parsed, but nothing certdoctor reads (a kubeconfig whose top-level keys are mangled): by value.
        const salvaged = salvageMaterial(text, bytes, filePlace(entry), ctx, new Set());
        return salvaged.length === 0 ? out : [notStructuredIssue(ref, text), ...salvaged];
      }
      // A broken document next to good ones: what it embeds is still read, by value.
      const known = new Set(out.flatMap((i) => ("type" in i && i.type === "cert" ? [Buffer.from(i.der).toString("latin1")] : [])));
      return [...out, ...salvageMaterial(text, bytes, filePlace(entry), ctx, known)];
    }
    if (!hasPem) {
      const salvaged = salvageMaterial(text, bytes, filePlace(entry), ctx, new Set());
      if (salvaged.length === 0) return issues;
      return broken ? [...issues, ...salvaged] : [notStructuredIssue(ref, text), ...salvaged];
    }
    // Not Kubernetes content (e.g. Helm values with embedded PEM), or YAML that does not parse: the PEM scan.
    if (broken) return [...issues, ...pairWithinFile(readMaterial(bytes, filePlace(entry), ctx, text), entry)];
  }
  if (hasPem) return pairWithinFile(readMaterial(bytes, filePlace(entry), ctx, text), entry);
  if (hasCertExtension(entry.path) && text.trim() !== "") {
    return [{ code: ErrorCode.ERR_PEM_INVALID, ref, message: "text file with a certificate extension holds no PEM block", material: true }];
  }
  return [];
}

function readBinary(bytes: Uint8Array, entry: FileEntry, ctx: ReadContext): Out {
  const ref = formatRef(fileRef(entry.path));
  if (sniffMaterial(bytes) !== "none") return pairWithinFile(readMaterial(bytes, filePlace(entry), ctx), entry);
  if (hasCertExtension(entry.path) || /\.(?:key|csr)$/i.test(entry.path)) {
    const message = looksLikeTruncatedDer(bytes) ? "DER structure is truncated" : "binary content is not a DER certificate, key, CSR or PKCS#12 bundle";
    return [{ code: ErrorCode.ERR_DER_INVALID, ref, message, material: true }];
  }
  if (hasTextConfigExtension(entry.path)) {
    return [{ code: ErrorCode.ERR_FILE_BINARY, ref, message: "binary content in a text configuration file", material: false }];
  }
  return [];
}

function filePlace(entry: FileEntry): MaterialPlace {
  const place: MaterialPlace = { ref: fileRef(entry.path), context: formatRef(dirRef(dirname(entry.path))), path: entry.path, symlink: entry.symlink };
  if (isAnchorFileName(entry.path)) place.anchor = true;
  const pair = stemPairId(entry.path);
  if (pair !== undefined) place.pair = pair;
  return place;
}

/** A file holding both a certificate and a key pairs its first certificate with the key(s): `pair:/abs/path`. */
function pairWithinFile(items: Out, entry: FileEntry): Out {
  const firstCert = items.find((i): i is RawItem => "type" in i && i.type === "cert");
  const keys = items.filter((i): i is RawItem => "type" in i && i.type === "key");
  if (firstCert === undefined || keys.length === 0) return items;
  const pair = `pair:${entry.path}`;
  for (const item of items) if ("type" in item && item.type === "cert") delete item.pair;
  firstCert.pair = pair;
  for (const key of keys) key.pair = pair;
  return items;
}

/**
 * The file's bytes, or undefined when it is larger than `max` (checked before reading anything). `path` is
 * fully resolved by the walker: O_NOFOLLOW and O_NONBLOCK make a link or FIFO swapped in since fail (ENOTREG)
 * instead of being followed or blocking the scan.
 */
function readBounded(path: string, max: number): Buffer | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    const size = stats.size;
    if (size > max) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, bytes, filled, size - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** ASCII (nearly every PEM, kubeconfig and manifest) decodes as latin1, several times faster than UTF-8. */
function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}

/** NUL bytes in the first 8 kB mean binary; DER almost always has them, PEM/YAML/JSON never. */
function isBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  // DER without NULs (tiny structures) still starts with SEQUENCE and a length byte.
  return head[0] === 0x30 && (head[1]! >= 0x80 || head[1] === head.length - 2);
}
