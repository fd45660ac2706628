import type { InventoryCert, InventoryCsr, InventoryKey, Location } from "../model/inventory.js";
import type { EndpointItem, KubeCsrItem, KubeObjectItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { valueRefOf } from "../model/ref.js";

/** A trust context: the anchors a leaf placed there must chain to. */
export interface TrustContext {
  id: string;
  /** Certificates explicitly designated as anchors there, or CA certificates placed there. */
  anchors: InventoryCert[];
  /** Every live certificate placed there, with the location that put it there. */
  members: Array<{ cert: InventoryCert; location: Location }>;
}

/** The whole scan's certificates and what is known about who signed whom. Read-only for rules. */
export class Inventory {
  readonly byFingerprint: Map<string, InventoryCert>;
  private contextIndex?: Map<string, TrustContext>;
  private spkiIndex?: Map<string, InventoryCert[]>;
  private subjectIndex?: Map<string, InventoryCert[]>;
  private valueIndex?: Map<string, InventoryCert[]>;

  constructor(
    readonly certs: InventoryCert[],
    readonly keys: InventoryKey[],
    readonly csrs: InventoryCsr[],
    readonly kubeCsrs: KubeCsrItem[],
    readonly issues: ScanIssue[],
    readonly endpoints: EndpointItem[] = [],
    /** Facts about Kubernetes objects read from the API (webhook services, Nodes, cert-manager objects). */
    readonly objects: KubeObjectItem[] = [],
  ) {
    this.byFingerprint = new Map(certs.map((c) => [c.record.fingerprint, c]));
  }

  /** Certificates with at least one live (non-backup) location. */
  live(): InventoryCert[] {
    return this.certs.filter((c) => !c.backupOnly);
  }

  /** Live locations of a certificate. */
  static liveLocations(cert: InventoryCert): Location[] {
    return cert.locations.filter((l) => !l.backup);
  }

  contexts(): Map<string, TrustContext> {
    if (this.contextIndex) return this.contextIndex;
    const index = new Map<string, TrustContext>();
    for (const cert of this.certs) {
      for (const location of cert.locations) {
        if (location.backup) continue;
        let ctx = index.get(location.context);
        if (!ctx) {
          ctx = { id: location.context, anchors: [], members: [] };
          index.set(location.context, ctx);
        }
        ctx.members.push({ cert, location });
        if ((location.anchor || cert.record.isCA) && !ctx.anchors.includes(cert)) ctx.anchors.push(cert);
      }
    }
    this.contextIndex = index;
    return index;
  }

  /** Certificates carrying the given public key (same SPKI), e.g. a CA and its re-issued copy. */
  withKey(spkiFingerprint: string): InventoryCert[] {
    if (!this.spkiIndex) {
      this.spkiIndex = new Map();
      for (const c of this.certs) {
        const list = this.spkiIndex.get(c.record.spkiFingerprint);
        if (list) list.push(c);
        else this.spkiIndex.set(c.record.spkiFingerprint, [c]);
      }
    }
    return this.spkiIndex.get(spkiFingerprint) ?? [];
  }

  /** Certificates whose subject is byte-for-byte `subjectDer` (hex): the candidates Go's CertPool finds by name. */
  withSubject(subjectDer: string): InventoryCert[] {
    if (!this.subjectIndex) {
      this.subjectIndex = new Map();
      for (const c of this.certs) {
        const list = this.subjectIndex.get(c.record.subjectDer);
        if (list) list.push(c);
        else this.subjectIndex.set(c.record.subjectDer, [c]);
      }
    }
    return this.subjectIndex.get(subjectDer) ?? [];
  }

  /**
   * The other certificates of the value (file, Secret key, kubeconfig field) a location's certificate came
   * from: what a component loading that value sends or uses as intermediates.
   */
  bundleOf(location: Location, cert: InventoryCert): InventoryCert[] {
    if (!this.valueIndex) {
      this.valueIndex = new Map();
      for (const c of this.certs) {
        for (const l of c.locations) {
          const key = valueRefOf(l.ref);
          if (key === undefined) continue;
          const list = this.valueIndex.get(key);
          if (!list) this.valueIndex.set(key, [c]);
          else if (!list.includes(c)) list.push(c);
        }
      }
    }
    const key = valueRefOf(location.ref);
    return key === undefined ? [] : (this.valueIndex.get(key) ?? []).filter((c) => c !== cert);
  }

  /**
   * True when `cert` chains, through verified signatures, to a certificate whose key is one of
   * `anchorKeys` (SPKI fingerprints). A certificate whose own key is an anchor is trusted as itself.
   */
  chainReaches(cert: InventoryCert, anchorKeys: ReadonlySet<string>, maxDepth: number): boolean {
    if (anchorKeys.has(cert.record.spkiFingerprint)) return true;
    let frontier = [cert];
    const seen = new Set<string>([cert.record.fingerprint]);
    for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
      const next: InventoryCert[] = [];
      for (const c of frontier) {
        for (const fp of c.issuers) {
          const issuer = this.byFingerprint.get(fp);
          if (!issuer || seen.has(fp)) continue;
          if (anchorKeys.has(issuer.record.spkiFingerprint)) return true;
          seen.add(fp);
          next.push(issuer);
        }
      }
      frontier = next;
    }
    return false;
  }

  /** The certificates whose key verifiably signed `cert`, excluding itself. */
  issuersOf(cert: InventoryCert): InventoryCert[] {
    return cert.issuers
      .filter((fp) => fp !== cert.record.fingerprint)
      .map((fp) => this.byFingerprint.get(fp))
      .filter((c): c is InventoryCert => c !== undefined);
  }

  /** Live certificates directly signed by `issuer`'s key. */
  signedBy(issuer: InventoryCert): InventoryCert[] {
    const keyHolders = new Set(this.withKey(issuer.record.spkiFingerprint).map((c) => c.record.fingerprint));
    return this.certs.filter(
      (c) => c !== issuer && !c.backupOnly && c.issuers.some((fp) => keyHolders.has(fp) && fp !== c.record.fingerprint),
    );
  }
}

export function isSelfSigned(cert: InventoryCert): boolean {
  return cert.issuers.includes(cert.record.fingerprint);
}
