import { fileRef, formatRef } from "../model/ref.js";
import { CertdoctorError, ErrorCode, describeError } from "../errors.js";
import type { CertOccurrence, ParsedBatch } from "../model/batch.js";
import type { CertRecord } from "../model/cert.js";
import type { ItemPlace, RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { isScanIssue, type FileEntry, type ReadContext } from "../model/scan.js";
import { verifySignature } from "../pki/verify.js";
import { hexSha256 } from "../pki/fingerprint.js";
import { MaterialStore } from "./material-store.js";
import { parseCertificate } from "../pki/x509.js";
import { readFileItems } from "../sources/file/read.js";
import type { VerifyTask } from "../inventory/trust-graph.js";

export type { VerifyTask };

export type { CertOccurrence, ParsedBatch };

/** True when a certificate may have signed others: CA, self-issued root, or a v1 certificate without extensions. */
export function couldBeIssuer(record: CertRecord): boolean {
  return record.isCA || record.selfIssued || record.version < 3;
}

/**
 * Reads files and parses their certificates, keeping the signature material for the second phase.
 * One instance lives in each worker (or on the main thread for small scans).
 */
export class ParseUnit {
  private readonly material = new MaterialStore();

  constructor(private readonly ctx: ReadContext) {}

  parseFiles(entries: FileEntry[]): ParsedBatch {
    const out = emptyBatch();
    for (const entry of entries) {
      let items;
      try {
        items = readFileItems(entry, this.ctx);
      } catch (err) {
        out.issues.push(unexpectedIssue(formatRef(fileRef(entry.path)), err));
        continue;
      }
      this.addItems(items, out);
    }
    return out;
  }

  /** Items a source produced elsewhere (e.g. the Kubernetes API): certificates are parsed here. */
  parseItems(items: Iterable<RawItem | ScanIssue>): ParsedBatch {
    const out = emptyBatch();
    this.addItems(items, out);
    return out;
  }

  private addItems(items: Iterable<RawItem | ScanIssue>, out: ParsedBatch): void {
    for (const item of items) {
      if (isScanIssue(item)) out.issues.push(detached(item));
      else if (item.type === "cert") this.addCert(item.der, placeOf(item), out);
      else if (item.type === "key") out.keys.push(item);
      else if (item.type === "csr") out.csrs.push(item);
      else if (item.type === "kube-csr") out.kubeCsrs.push(item);
      else if (item.type === "kube-object") out.objects.push(item);
      else out.endpoints.push(item);
    }
  }

  /** Checks each child's signature with the issuer's public key; `spkis` maps issuer fingerprints to SPKI DER. */
  verify(tasks: VerifyTask[], spkis: Map<string, Uint8Array>): boolean[] {
    return tasks.map((task) => {
      const child = this.material.get(task.child);
      const spki = spkis.get(task.issuer);
      return child !== undefined && spki !== undefined && verifySignature(child, spki);
    });
  }

  /** Drops the signature material once the trust graph is built. */
  release(): void {
    this.material.clear();
  }

  private addCert(der: Uint8Array, place: ItemPlace, out: ParsedBatch): void {
    // CAs repeat in every bundle and Secret: hash first, parse each distinct certificate once.
    const fp = hexSha256(der);
    if (this.material.has(fp)) {
      out.certs.push({ fingerprint: fp, place });
      return;
    }
    let parsed;
    try {
      parsed = parseCertificate(der, fp);
    } catch (err) {
      const code = err instanceof CertdoctorError ? err.code : ErrorCode.ERR_CERT_INVALID;
      out.issues.push({ code, ref: place.ref, message: `not a valid X.509 certificate: ${describeError(err)}`, material: true });
      return;
    }
    this.material.add(fp, parsed.material);
    const occurrence: CertOccurrence = { fingerprint: fp, place, record: parsed.record };
    if (couldBeIssuer(parsed.record)) occurrence.spki = parsed.material.spki.slice();
    out.certs.push(occurrence);
  }
}

function emptyBatch(): ParsedBatch {
  return { certs: [], keys: [], csrs: [], kubeCsrs: [], endpoints: [], objects: [], issues: [] };
}

/** Built field by field: a copy made by rest spread and `delete` is a slow dictionary-mode object to clone. */
function placeOf(item: ItemPlace): ItemPlace {
  const place: ItemPlace = { ref: item.ref, context: item.context };
  if (item.path !== undefined) place.path = item.path;
  if (item.symlink !== undefined) place.symlink = item.symlink;
  if (item.anchor !== undefined) place.anchor = item.anchor;
  if (item.pair !== undefined) place.pair = item.pair;
  return place;
}

/**
 * The issue with its own copies of its strings. A message built from a slice of a file's text (a PEM
 * label, a YAML excerpt) otherwise keeps the whole text alive in V8: 150 git binaries of 4 MB, each
 * quoting PEM, held 1 GB until the scan ended.
 */
function detached(issue: ScanIssue): ScanIssue {
  return { ...issue, ref: ownCopy(issue.ref), message: ownCopy(issue.message) };
}

function ownCopy(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}

function unexpectedIssue(ref: string, err: unknown): ScanIssue {
  const code = err instanceof CertdoctorError ? err.code : ErrorCode.ERR_SOURCE_UNREADABLE;
  return { code, ref, message: `could not read: ${describeError(err)}`, material: false };
}
