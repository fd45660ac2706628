import { placeRef } from "../layouts/index.js";
import type { InventoryCert, InventoryCsr, InventoryKey, Location } from "../model/inventory.js";
import type { ItemPlace, KubeCsrItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import type { CertRecord } from "../model/cert.js";
import { Inventory } from "./inventory.js";

/** A certificate while the inventory is being built: which parse unit holds its signature material. */
export interface CertEntry extends InventoryCert {
  holder: number;
  spki?: Uint8Array;
  refs: Set<string>;
}

export interface CertOccurrenceLike {
  fingerprint: string;
  place: ItemPlace;
  record?: CertRecord;
  spki?: Uint8Array;
}

export interface BatchLike {
  certs: CertOccurrenceLike[];
  keys: Array<ItemPlace & { key: InventoryKey["key"] }>;
  csrs: Array<ItemPlace & { csr: InventoryCsr["csr"] }>;
  kubeCsrs: KubeCsrItem[];
  issues: ScanIssue[];
}

/** Folds parse results into one entry per distinct certificate, with every place it was seen. */
export class InventoryBuilder {
  readonly entries = new Map<string, CertEntry>();
  private readonly keys: InventoryKey[] = [];
  private readonly csrs: InventoryCsr[] = [];
  private readonly kubeCsrs: KubeCsrItem[] = [];
  private readonly issues: ScanIssue[] = [];

  add(unit: number, batch: BatchLike): void {
    for (const occ of batch.certs) this.addCert(unit, occ);
    for (const k of batch.keys) this.keys.push({ key: k.key, location: locate(k) });
    for (const c of batch.csrs) this.csrs.push({ csr: c.csr, location: locate(c) });
    for (const c of batch.kubeCsrs) this.kubeCsrs.push(c);
    for (const i of batch.issues) this.issues.push(i);
  }

  addIssue(issue: ScanIssue): void {
    this.issues.push(issue);
  }

  finish(): Inventory {
    const certs: InventoryCert[] = [];
    for (const e of this.entries.values()) {
      retireSupersededRotations(e.locations);
      e.backupOnly = e.locations.every((l) => l.backup);
      certs.push({
        record: e.record,
        locations: e.locations,
        backupOnly: e.backupOnly,
        issuers: e.issuers,
        rejectedIssuers: e.rejectedIssuers,
      });
    }
    return new Inventory(certs, this.keys, this.csrs, this.kubeCsrs, this.issues);
  }

  private addCert(unit: number, occ: CertOccurrenceLike): void {
    let entry = this.entries.get(occ.fingerprint);
    if (entry === undefined) {
      if (occ.record === undefined) throw new Error(`certificate ${occ.fingerprint} arrived without its record`);
      entry = {
        record: occ.record,
        locations: [],
        backupOnly: false,
        issuers: [],
        rejectedIssuers: [],
        holder: unit,
        refs: new Set(),
      };
      if (occ.spki !== undefined) entry.spki = occ.spki;
      this.entries.set(occ.fingerprint, entry);
    }
    if (entry.refs.has(occ.place.ref)) return;
    entry.refs.add(occ.place.ref);
    entry.locations.push(locate(occ.place));
  }
}

const ROTATION_OUTPUT = /^kubelet-(client|server)-rotated$/;

/**
 * The kubelet leaves every rotation's output (kubelet-client-<timestamp>.pem) behind; only the one that
 * kubelet-*-current.pem points at is live. A certificate seen only under rotation-output names is an old
 * rotation: treated like a backup, so last year's kubelet certificate does not read as expired.
 */
function retireSupersededRotations(locations: Location[]): void {
  const rotations = locations.filter((l) => !l.backup && l.role !== undefined && ROTATION_OUTPUT.test(l.role));
  if (rotations.length === 0) return;
  if (locations.some((l) => !l.backup && !rotations.includes(l))) return;
  for (const l of rotations) l.backup = true;
}

/** Turns a source place into a location, adding what the distribution layout knows about it. */
export function locate(place: ItemPlace): Location {
  const p = placeRef(place.ref);
  const loc: Location = { ref: place.ref, context: place.context, anchor: place.anchor === true, backup: p.backup };
  if (place.path !== undefined) loc.path = place.path;
  if (place.symlink !== undefined) loc.symlink = place.symlink;
  if (place.pair !== undefined) loc.pair = place.pair;
  if (p.node !== undefined) loc.node = p.node;
  if (p.distribution !== undefined) loc.distribution = p.distribution;
  if (p.role !== undefined) loc.role = p.role;
  if (p.roleTitle !== undefined) loc.roleTitle = p.roleTitle;
  if (p.caIdentity !== undefined) loc.caIdentity = p.caIdentity;
  return loc;
}
