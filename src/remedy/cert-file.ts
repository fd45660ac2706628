/** Reads the certificates of one small PEM or DER file without following a symlink, and writes one back in the same encoding. */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { CertRecord } from "../model/cert.js";
import { encodePem, scanPem } from "../pki/pem.js";
import { looksLikeDerCertificate, parseCertificate } from "../pki/x509.js";

export const MAX_CA_FILE_BYTES = 1024 * 1024;

export interface CertFile {
  encoding: "pem" | "der";
  certs: Array<{ der: Buffer; record: CertRecord }>;
  /** Blocks that are not certificates (a private key in the same file); counted, never kept. */
  otherBlocks: number;
}

/** Parses PEM or DER bytes; undefined when they hold no certificate at all. */
export function parseCertBytes(bytes: Buffer): CertFile | undefined {
  if (looksLikeDerCertificate(bytes)) return { encoding: "der", certs: [{ der: bytes, record: parseCertificate(bytes).record }], otherBlocks: 0 };
  const text = bytes.toString("latin1");
  const { blocks } = scanPem(text, MAX_CA_FILE_BYTES);
  const certs = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => ({ der: b.der, record: parseCertificate(b.der).record }));
  if (certs.length === 0) return undefined;
  return { encoding: "pem", certs, otherBlocks: blocks.length - certs.length };
}

/** The bytes of a file that holds exactly `der`, encoded as `encoding`. */
export function encodeCert(der: Uint8Array, encoding: "pem" | "der"): Buffer {
  return encoding === "der" ? Buffer.from(der) : Buffer.from(encodePem("CERTIFICATE", der), "latin1");
}

/** Reads a regular file through an O_NOFOLLOW descriptor, at most `max` bytes. */
export function readRegularFile(path: string, max = MAX_CA_FILE_BYTES): { bytes: Buffer; mode: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    if (st.size > max) throw Object.assign(new Error("too large"), { code: "EFBIG" });
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: buf.subarray(0, got), mode: st.mode & 0o7777 };
  } finally {
    closeSync(fd);
  }
}
