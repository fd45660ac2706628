import { MAX_REF_CHARS, placeSourceRef } from "../layouts/index.js";
import type { InventoryCert, InventoryCsr, InventoryKey, Location } from "../model/inventory.js";
import type { EndpointItem, ItemPlace, KubeCsrItem, KubeObjectItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { blockIndex, parseRef } from "../model/ref.js";
import type { CertOccurrence, ParsedBatch } from "../model/batch.js";
import { Interner } from "./intern.js";
import { IssueCaps } from "./issue-caps.js";
import { Inventory } from "./inventory.js";

/** A certificate while the inventory is being built: which parse unit holds its signature material. */
export interface CertEntry extends InventoryCert {
  holder: number;
  spki?: Uint8Array;
  /** Refs already recorded, once there are enough locations for a linear check to hurt (CAs in every bundle). */
  refs?: Set<string>;
}

const REF_SET_AFTER = 8;
const NO_FINGERPRINTS: string[] = [];

/** A scanned root and the cluster scope its files belong to. */
export interface ScopeRoot {
  root: string;
  name: string;
}

/**
 * Scopes for a scan's named roots (`--path NAME=DIR`). Unnamed roots share the unscoped default: two
 * paths are often one node (`--path /etc/kubernetes --path /var/lib/kubelet/pki`) or one cluster's
 * nodes, whose CAs must agree, so certdoctor does not split them without being told.
 */
export function scopeRoots(paths: readonly string[], names: Readonly<Record<string, string>> = {}): ScopeRoot[] {
  return paths.filter((root) => names[root] !== undefined).map((root) => ({ root, name: names[root]! }));
}

/** Folds parse results into one entry per distinct certificate, with every place it was seen. */
export class InventoryBuilder {
  readonly entries = new Map<string, CertEntry>();
  private readonly keys: InventoryKey[] = [];
  private readonly csrs: InventoryCsr[] = [];
  private readonly kubeCsrs: KubeCsrItem[] = [];
  private readonly endpoints: EndpointItem[] = [];
  private readonly objects: KubeObjectItem[] = [];
  private readonly issues: ScanIssue[] = [];
  private readonly caps = new IssueCaps();
  private readonly interner = new Interner();
  /** Longest roots first, so a nested root wins over its parent. */
  private readonly scopes: ScopeRoot[];

  constructor(scopes: readonly ScopeRoot[] = []) {
    this.scopes = [...scopes].sort((a, b) => b.root.length - a.root.length);
  }

  private scopeOf(path: string | undefined): ScopeRoot | undefined {
    if (this.scopes.length === 0 || path === undefined) return undefined;
    return this.scopes.find((s) => path === s.root || path.startsWith(s.root.endsWith("/") ? s.root : s.root + "/"));
  }

  /** `locate` plus the cluster scope of the place's file. */
  private place(place: ItemPlace, scope = this.scopeOf(place.path)): Location {
    const location = locate(place);
    if (scope === undefined) return location;
    location.scope = scope.name;
    location.context = `${location.context}@${scope.name}`;
    if (location.pair !== undefined) location.pair = `${location.pair}@${scope.name}`;
    return location;
  }

  add(unit: number, batch: ParsedBatch): void {
    for (const occ of batch.certs) this.addCert(unit, occ);
    for (const k of batch.keys) this.keys.push({ key: k.key, location: this.place(k) });
    for (const c of batch.csrs) this.csrs.push({ csr: c.csr, location: this.place(c) });
    for (const c of batch.kubeCsrs) this.kubeCsrs.push(c);
    for (const e of batch.endpoints) this.endpoints.push(e);
    for (const o of batch.objects ?? []) this.objects.push(o);
    for (const i of batch.issues) if (this.caps.admit(i)) this.issues.push(i);
  }

  addIssue(issue: ScanIssue): void {
    if (this.caps.admit(issue)) this.issues.push(issue);
  }

  finish(): Inventory {
    const certs: InventoryCert[] = [];
    retireSupersededRotations(this.entries.values());
    for (const e of this.entries.values()) {
      e.backupOnly = e.locations.every((l) => l.backup);
      // slice(): arrays grown by push keep spare capacity; exact copies save ~100 bytes each, 100,000s of times.
      certs.push({
        record: e.record,
        locations: e.locations.slice(),
        backupOnly: e.backupOnly,
        issuers: e.issuers.slice(),
        rejectedIssuers: e.rejectedIssuers.length === 0 ? NO_FINGERPRINTS : e.rejectedIssuers.slice(),
      });
    }
    return new Inventory(certs, this.keys, this.csrs, this.kubeCsrs, [...this.issues, ...this.caps.summaries()], this.endpoints, this.objects);
  }

  private addCert(unit: number, occ: CertOccurrence): void {
    let entry = this.entries.get(occ.fingerprint);
    if (entry === undefined) {
      if (occ.record === undefined) throw new Error(`certificate ${occ.fingerprint} arrived without its record`);
      entry = {
        record: this.interner.record(occ.record),
        locations: [],
        backupOnly: false,
        issuers: [],
        rejectedIssuers: [],
        holder: unit,
      };
      if (occ.spki !== undefined) entry.spki = occ.spki;
      this.entries.set(occ.fingerprint, entry);
    }
    const scope = this.scopeOf(occ.place.path);
    // The same Secret ref in two clusters' dumps is two places.
    const key = scope === undefined ? occ.place.ref : `${occ.place.ref}@${scope.name}`;
    if (isRecorded(entry, key)) return;
    const location = this.place(occ.place, scope);
    location.context = this.interner.string(location.context);
    // A manifest's path repeats for every object in it.
    if (location.path !== undefined) location.path = this.interner.string(location.path);
    entry.locations.push(location);
    if (entry.refs) entry.refs.add(key);
    else if (entry.locations.length >= REF_SET_AFTER) entry.refs = new Set(entry.locations.map(placeKey));
  }
}

function placeKey(l: Location): string {
  return l.scope === undefined ? l.ref : `${l.ref}@${l.scope}`;
}

function isRecorded(entry: CertEntry, key: string): boolean {
  return entry.refs ? entry.refs.has(key) : entry.locations.some((l) => placeKey(l) === key);
}

const ROTATION_OUTPUT = /^kubelet-(client|server)-rotated$/;
const CURRENT_LINK = /\/kubelet-(client|server)-current\.pem$/;

/**
 * The kubelet leaves every rotation's output (kubelet-client-<timestamp>.pem) behind; only the one that
 * kubelet-*-current.pem points at is live. Certificates seen only under rotation-output names are old
 * rotations and are treated like backups, so last year's kubelet certificate does not read as expired.
 * In a copied node filesystem the absolute `-current` symlink often dangles; then the newest rotation
 * output of each kind in the directory stays live.
 */
function retireSupersededRotations(entries: Iterable<CertEntry>): void {
  const currentDirs = new Set<string>();
  const rotationOnly = new Map<string, CertEntry[]>(); // dir + kind -> entries seen only as rotation outputs
  for (const e of entries) {
    const live = e.locations.filter((l) => !l.backup);
    for (const l of live) if (l.path !== undefined && CURRENT_LINK.test(l.path)) currentDirs.add(dirOf(l.path));
    if (live.length === 0 || !live.every((l) => l.path !== undefined && l.role !== undefined && ROTATION_OUTPUT.test(l.role))) continue;
    const key = `${dirOf(live[0]!.path!)}|${live[0]!.role}`;
    const group = rotationOnly.get(key);
    if (group) group.push(e);
    else rotationOnly.set(key, [e]);
  }
  for (const [key, group] of rotationOnly) {
    const dir = key.slice(0, key.lastIndexOf("|"));
    const newest = group.reduce((a, b) => (b.record.notAfter > a.record.notAfter ? b : a));
    for (const e of group) {
      if (!currentDirs.has(dir) && e === newest) continue;
      for (const l of e.locations) l.backup = true;
    }
  }
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** Turns a source place into a location, adding what the distribution layout knows about it. */
export function locate(place: ItemPlace): Location {
  // Parsed once here, for both questions (issue 8: parsing it twice cost +4 % CPU on the 10k bench corpus).
  const ref = place.ref.length > MAX_REF_CHARS ? undefined : parseRef(place.ref);
  const p = placeSourceRef(ref);
  // A layout names the file's own certificate; the ones after it are its chain (K3s writes leaf + CA).
  const own = ref === undefined || blockIndex(ref) === 0;
  return {
    ref: place.ref,
    context: place.context,
    anchor: place.anchor === true,
    backup: p.backup,
    path: place.path,
    symlink: place.symlink,
    pair: place.pair,
    node: p.node,
    distribution: p.distribution,
    role: own ? p.role : undefined,
    roleTitle: own ? p.roleTitle : undefined,
    caIdentity: own ? p.caIdentity : undefined,
  };
}
