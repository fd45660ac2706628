import type { CertRecord } from "../model/cert.js";

const EMPTY: string[] = [];

/**
 * Shares equal strings and string lists across records. Records arrive from worker threads as fresh
 * copies, so the same issuer name or key-usage list would otherwise be stored once per certificate.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();

  string(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }

  list(values: string[]): string[] {
    if (values.length === 0) return EMPTY;
    const key = values.join("\u0000");
    const known = this.lists.get(key);
    if (known !== undefined) return known;
    this.lists.set(key, values);
    return values;
  }

  /** Interns the fields that repeat across certificates, in place. */
  record(r: CertRecord): CertRecord {
    r.issuer = this.string(r.issuer);
    r.issuerDer = this.string(r.issuerDer);
    r.signatureAlgorithm = this.string(r.signatureAlgorithm);
    if (r.curve !== undefined) r.curve = this.string(r.curve);
    if (r.authorityKeyId !== undefined) r.authorityKeyId = this.string(r.authorityKeyId);
    r.keyUsage = this.list(r.keyUsage);
    r.extKeyUsage = this.list(r.extKeyUsage);
    if (r.emailAddresses.length === 0) r.emailAddresses = EMPTY;
    if (r.uris.length === 0) r.uris = EMPTY;
    if (r.dnsNames.length === 0) r.dnsNames = EMPTY;
    if (r.ipAddresses.length === 0) r.ipAddresses = EMPTY;
    return r;
  }
}
