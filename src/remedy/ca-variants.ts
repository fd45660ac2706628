/**
 * CA identities that exist with more than one key (variants), which variant is current, and where each
 * variant lives. Shared by `plan` (who must restart or re-fetch) and `rotation` (how far a CA rotation got).
 * Pure: reads the inventory only.
 */
import { basename } from "node:path";
import type { Inventory } from "../inventory/inventory.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { valueRefOf } from "../model/ref.js";

export interface CaVariant {
  /** SHA-256 of the CA's SubjectPublicKeyInfo: what makes two certificates "the same CA". */
  spkiFingerprint: string;
  /** Certificate fingerprints carrying this key (a re-issued or cross-signed CA has several). */
  fingerprints: string[];
  subject: string;
  notBefore: number;
  notAfter: number;
  /** Live places that hold (trust) this variant. */
  holders: Location[];
  /** Live leaves and intermediates this variant's key signed. */
  signed: InventoryCert[];
}

export interface CaGroup {
  /** Layout CA identity ("k3s-server-ca", "kubeedge-ca") or `subject:<DN>` when only the name ties the variants. */
  identity: string;
  scope?: string;
  distribution?: string;
  variants: CaVariant[];
  /** The variant everything should end up on. */
  current: CaVariant;
  /** Why that one: "held by the cluster's own object", "newest", "signed the most". */
  currentBecause: string;
}

/** Roles whose location is the source of truth for their CA identity (CloudCore's casecret). */
const AUTHORITATIVE_ROLES = new Set(["kubeedge-ca"]);

/** Node name for display: the dump folder ("cp-1"); undefined for cluster objects. */
export function nodeName(loc: Location): string | undefined {
  if (loc.node === undefined) return undefined;
  return loc.node === "" ? "(scanned root)" : basename(loc.node);
}

/** Every CA identity with two or more variants, layout identities first. */
export function findCaGroups(inv: Inventory): CaGroup[] {
  const raw = new Map<string, { identity: string; scope?: string; byKey: Map<string, InventoryCert[]>; locs: Map<string, Location[]> }>();
  const add = (key: string, identity: string, scope: string | undefined, cert: InventoryCert, loc: Location) => {
    let g = raw.get(key);
    if (!g) raw.set(key, (g = { identity, ...(scope === undefined ? {} : { scope }), byKey: new Map(), locs: new Map() }));
    const spki = cert.record.spkiFingerprint;
    const certs = g.byKey.get(spki) ?? [];
    if (!certs.includes(cert)) certs.push(cert);
    g.byKey.set(spki, certs);
    const locs = g.locs.get(spki) ?? [];
    if (!locs.includes(loc)) locs.push(loc);
    g.locs.set(spki, locs);
  };
  const bundleIdentity = identitiesByValue(inv);
  for (const cert of inv.live()) {
    if (!cert.record.isCA) continue;
    for (const loc of cert.locations) {
      if (loc.backup) continue;
      const scope = loc.scope;
      // The layout places only a bundle's first CA; the others in the same file are trusted there too
      // (a ca.crt holding old and new CA is the "both trusted" phase of a rotation).
      const identity = loc.caIdentity ?? bundleIdentity.get(valueOf(loc.ref));
      if (identity) add(`layout|${scope ?? ""}|${identity}`, identity, scope, cert, loc);
      else add(`subject|${scope ?? ""}|${cert.record.subjectDer}`, `subject:${cert.record.subject}`, scope, cert, loc);
    }
  }
  const out: CaGroup[] = [];
  const seen = new Set<string>();
  // Layout identities first: they carry the stronger claim, and the same variants are not listed twice.
  const ordered = [...raw.values()].sort((a, b) => Number(a.identity.startsWith("subject:")) - Number(b.identity.startsWith("subject:")));
  for (const g of ordered) {
    if (g.byKey.size < 2) continue;
    const signature = [...g.byKey.keys()].sort().join(",");
    if (seen.has(signature)) continue;
    seen.add(signature);
    const variants = [...g.byKey.entries()].map(([spki, certs]) => makeVariant(inv, spki, certs, g.locs.get(spki) ?? []));
    const { current, because } = pickCurrent(variants);
    const distribution = variants.flatMap((v) => v.holders).find((l) => l.distribution !== undefined)?.distribution;
    out.push({
      identity: g.identity,
      ...(g.scope === undefined ? {} : { scope: g.scope }),
      ...(distribution === undefined ? {} : { distribution }),
      variants: sortVariants(variants),
      current,
      currentBecause: because,
    });
  }
  return out;
}

/** `file:/x/ca.crt#1` -> `file:/x/ca.crt`: the value a bundle position belongs to. */
function valueOf(ref: string): string {
  return valueRefOf(ref) ?? ref;
}

function identitiesByValue(inv: Inventory): Map<string, string> {
  const out = new Map<string, string>();
  for (const cert of inv.live()) {
    if (!cert.record.isCA) continue;
    for (const loc of cert.locations) if (!loc.backup && loc.caIdentity) out.set(valueOf(loc.ref), loc.caIdentity);
  }
  return out;
}

function makeVariant(inv: Inventory, spki: string, certs: InventoryCert[], holders: Location[]): CaVariant {
  const signed = new Set<InventoryCert>();
  for (const c of certs) for (const s of inv.signedBy(c)) if (s.record.spkiFingerprint !== spki) signed.add(s);
  return {
    spkiFingerprint: spki,
    fingerprints: certs.map((c) => c.record.fingerprint),
    subject: certs[0]!.record.subject,
    notBefore: Math.max(...certs.map((c) => c.record.notBefore)),
    notAfter: Math.max(...certs.map((c) => c.record.notAfter)),
    holders,
    signed: [...signed],
  };
}

/** Oldest first, so "variant 1" is the old CA and the last one the new. */
function sortVariants(variants: CaVariant[]): CaVariant[] {
  return [...variants].sort((a, b) => a.notBefore - b.notBefore || a.spkiFingerprint.localeCompare(b.spkiFingerprint));
}

/**
 * The variant to converge on: the one in the distribution's source of truth (CloudCore's Secret) when
 * the scan saw it; else the newest (a rotation always moves to a newer CA); on a tie the one that signed
 * the most certificates in use.
 */
function pickCurrent(variants: CaVariant[]): { current: CaVariant; because: string } {
  const authoritative = variants.filter((v) => v.holders.some((l) => l.role !== undefined && AUTHORITATIVE_ROLES.has(l.role)));
  if (authoritative.length === 1) {
    const role = authoritative[0]!.holders.find((l) => AUTHORITATIVE_ROLES.has(l.role ?? ""))!;
    return { current: authoritative[0]!, because: `it is the one in ${role.ref}, the source of truth` };
  }
  const sorted = [...variants].sort((a, b) => b.notBefore - a.notBefore || b.signed.length - a.signed.length);
  const [first, second] = sorted as [CaVariant, CaVariant];
  if (first.notBefore !== second.notBefore) return { current: first, because: "it is the newest (a rotation moves to the newer CA)" };
  return { current: first, because: "it signed the most certificates in use" };
}

/** The display names of the nodes among `locations` (cluster objects by ref), sorted and unique. */
export function placesOf(locations: readonly Location[]): string[] {
  return [...new Set(locations.map((l) => nodeName(l) ?? l.ref))].sort();
}

/** Live places (by `placesOf` name) holding a variant other than the current one, each with its refs. */
export function laggingPlaces(group: CaGroup): Array<{ place: string; locations: Location[] }> {
  const byPlace = new Map<string, Location[]>();
  for (const v of group.variants) {
    if (v === group.current) continue;
    for (const l of v.holders) {
      const place = nodeName(l) ?? l.ref;
      byPlace.set(place, [...(byPlace.get(place) ?? []), l]);
    }
  }
  return [...byPlace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([place, locations]) => ({ place, locations }));
}
