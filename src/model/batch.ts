/**
 * What a parse unit (main thread or worker) hands the inventory builder for one batch of items: each
 * certificate occurrence by fingerprint (its record only the first time the unit sees it), and the
 * other items as the sources gave them. One type for the engine that produces it and the inventory
 * that folds it in.
 */
import type { CertRecord } from "./cert.js";
import type { CsrItem, EndpointItem, ItemPlace, KeyItem, KubeCsrItem, KubeObjectItem } from "./items.js";
import type { ScanIssue } from "./issue.js";

export interface CertOccurrence {
  fingerprint: string;
  /** Where the certificate was seen; the DER itself stays with the parse unit. */
  place: ItemPlace;
  /** Sent the first time this unit sees the fingerprint only. */
  record?: CertRecord;
  /** SPKI DER, sent with the record when the certificate could be an issuer. */
  spki?: Uint8Array;
}

export interface ParsedBatch {
  certs: CertOccurrence[];
  keys: KeyItem[];
  csrs: CsrItem[];
  kubeCsrs: KubeCsrItem[];
  endpoints: EndpointItem[];
  objects: KubeObjectItem[];
  issues: ScanIssue[];
}
