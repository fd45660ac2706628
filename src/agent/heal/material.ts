/**
 * What a repair reads before it acts: one file, opened without following a symlink and bounded in size,
 * its certificates parsed strictly (a certificate with any parse problem is "unparseable" and no repair
 * acts on it) and its private keys reduced to their public-key fingerprints (key bytes are never kept).
 */
import { createHash } from "node:crypto";
import type { CertRecord } from "../../model/cert.js";
import { describePrivateKey } from "../../pki/keys.js";
import { scanPem } from "../../pki/pem.js";
import { looksLikeDerCertificate, parseCertificate } from "../../pki/x509.js";
import { readRegularFile } from "../../remedy/cert-file.js";

export const MAX_MATERIAL_BYTES = 256 * 1024;

export interface FileMaterial {
  bytes: Buffer;
  sha256: string;
  encoding: "pem" | "der";
  certs: Array<{ der: Buffer; record: CertRecord }>;
  /** SPKI fingerprints of the private keys in the file (undefined for one that could not be read). */
  keys: Array<string | undefined>;
  /** Blocks that are neither certificates nor private keys, and broken blocks. */
  otherBlocks: number;
  /** Why a certificate in the file is not trusted to be what it says (parse problems). */
  unparseable: string[];
}

/** Reads `path` as certificate material; throws a system-style error (code) when it cannot be read. */
export function readMaterial(path: string): FileMaterial {
  const { bytes } = readRegularFile(path, MAX_MATERIAL_BYTES);
  return parseMaterial(bytes);
}

export function parseMaterial(bytes: Buffer): FileMaterial {
  const out: FileMaterial = { bytes, sha256: sha256(bytes), encoding: "pem", certs: [], keys: [], otherBlocks: 0, unparseable: [] };
  if (looksLikeDerCertificate(bytes)) {
    out.encoding = "der";
    addCert(out, bytes);
    return out;
  }
  const { blocks, problems } = scanPem(bytes.toString("latin1"), MAX_MATERIAL_BYTES);
  out.otherBlocks += problems.length;
  for (const b of blocks) {
    if (b.label === "CERTIFICATE") addCert(out, b.der);
    else if (/PRIVATE KEY$/.test(b.label)) {
      try {
        out.keys.push(describePrivateKey({ der: b.der, label: b.label, encryptedHeader: b.encryptedHeader }, []).spkiFingerprint);
      } catch {
        out.keys.push(undefined);
      }
    } else out.otherBlocks++;
  }
  return out;
}

function addCert(out: FileMaterial, der: Buffer): void {
  try {
    const { record } = parseCertificate(der);
    if (record.problems !== undefined && record.problems.length > 0) out.unparseable.push(`${record.subject}: ${record.problems.join("; ")}`);
    out.certs.push({ der: Buffer.from(der), record });
  } catch (err) {
    out.unparseable.push((err as Error).message);
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
