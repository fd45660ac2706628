/**
 * `certdoctor rotation`: how far each CA rotation has got, place by place. For every CA identity with
 * more than one key (variant), each node (or the cluster's API objects) is put in one phase from which
 * variants it trusts and which variant signed the certificates it uses:
 *
 *   1 new-not-distributed  trusts only the old CA, its certificates are from the old CA
 *   2 new-trusted          trusts old and new (Talos "accepted"), certificates still from the old CA
 *   3 reissued             certificates from the new CA, old CA still trusted (Talos "issuing")
 *   4 old-removed          trusts only the new CA and uses certificates from it: done
 *   broken                 uses a certificate from a CA it does not trust (a step was skipped)
 *
 * Places behind the most advanced one are the lagging ones (K3s servers joined with --server that were
 * not restarted, edge nodes still on the old rootCA.crt). Pure: reads the inventory only.
 */
import type { Inventory } from "../inventory/inventory.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { blockIndexOf } from "../model/ref.js";
import { findCaGroups, nodeName, type CaGroup, type CaVariant } from "./ca-variants.js";

export type RotationPhase = "new-not-distributed" | "new-trusted" | "reissued" | "old-removed" | "broken";

const PHASE_RANK: Readonly<Record<RotationPhase, number>> = { broken: 0, "new-not-distributed": 1, "new-trusted": 2, reissued: 3, "old-removed": 4 };

export const PHASE_TITLES: Readonly<Record<RotationPhase, string>> = {
  "new-not-distributed": "new CA not distributed yet",
  "new-trusted": "new CA trusted, certificates still from the old one",
  reissued: "certificates re-issued by the new CA, old CA still trusted",
  "old-removed": "done: only the new CA",
  broken: "uses a certificate from a CA it does not trust",
};

export interface VariantSummary {
  /** "old" for every variant but the current one, which is "new". */
  label: "old" | "new";
  subject: string;
  spkiFingerprint: string;
  fingerprints: string[];
  notBefore: string;
  notAfter: string;
}

export interface PlaceProgress {
  /** Node name (dump folder), or "cluster" for API objects. */
  place: string;
  phase: RotationPhase;
  /** Which variants the place holds as CA ("old", "new"). */
  trusts: Array<"old" | "new">;
  /** Which variants signed the certificates found there. */
  signedBy: Array<"old" | "new">;
  /** The CA locations there. */
  anchors: string[];
  /** The certificates there each variant signed (refs), for `broken` and lagging places. */
  certificates: Array<{ ref: string; signedBy: "old" | "new" }>;
  lagging: boolean;
}

export interface CaRotation {
  identity: string;
  scope?: string;
  distribution?: string;
  variants: VariantSummary[];
  currentBecause: string;
  /** The least advanced phase among the places: where the rotation as a whole stands. */
  phase: RotationPhase;
  places: PlaceProgress[];
  lagging: string[];
}

export interface RotationReport {
  /** Bumped when a field changes meaning or goes away; new fields do not bump it. */
  schemaVersion: 1;
  evaluatedAt: string;
  rotations: CaRotation[];
  /** Every lagging place with the CA identities it lags on. */
  lagging: Array<{ place: string; identities: string[] }>;
}

const CLUSTER = "cluster";

function placeOf(loc: Location): string {
  return nodeName(loc) ?? CLUSTER;
}

export function buildRotationReport(inv: Inventory, evaluatedAt: Date): RotationReport {
  const rotations = findCaGroups(inv).map((g) => progressOf(g));
  const lagging = new Map<string, string[]>();
  for (const r of rotations) for (const p of r.lagging) lagging.set(p, [...(lagging.get(p) ?? []), r.identity]);
  return {
    schemaVersion: 1,
    evaluatedAt: evaluatedAt.toISOString(),
    rotations,
    lagging: [...lagging.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([place, identities]) => ({ place, identities: identities.sort() })),
  };
}

function progressOf(group: CaGroup): CaRotation {
  const label = (v: CaVariant): "old" | "new" => (v === group.current ? "new" : "old");
  const places = new Map<string, { trusts: Set<"old" | "new">; signedBy: Set<"old" | "new">; anchors: Set<string>; certs: Map<string, "old" | "new"> }>();
  const at = (place: string) => {
    let p = places.get(place);
    if (!p) places.set(place, (p = { trusts: new Set(), signedBy: new Set(), anchors: new Set(), certs: new Map() }));
    return p;
  };
  for (const v of group.variants) {
    for (const loc of v.holders) {
      const p = at(placeOf(loc));
      p.trusts.add(label(v));
      p.anchors.add(loc.ref);
    }
    for (const cert of v.signed) {
      for (const loc of liveOwnLocations(cert)) {
        const p = at(placeOf(loc));
        p.signedBy.add(label(v));
        p.certs.set(loc.ref, label(v));
      }
    }
  }
  const progress: PlaceProgress[] = [...places.entries()]
    .filter(([, p]) => p.trusts.size > 0)
    .map(([place, p]) => ({
      place,
      phase: phaseOf(p.trusts, p.signedBy),
      trusts: sortLabels(p.trusts),
      signedBy: sortLabels(p.signedBy),
      anchors: [...p.anchors].sort(),
      certificates: [...p.certs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ref, signedBy]) => ({ ref, signedBy })),
      lagging: false,
    }))
    .sort((a, b) => a.place.localeCompare(b.place));
  const best = Math.max(...progress.map((p) => PHASE_RANK[p.phase]));
  for (const p of progress) p.lagging = PHASE_RANK[p.phase] < best;
  const worst = progress.reduce((w, p) => (PHASE_RANK[p.phase] < PHASE_RANK[w] ? p.phase : w), "old-removed" as RotationPhase);
  return {
    identity: group.identity,
    ...(group.scope === undefined ? {} : { scope: group.scope }),
    ...(group.distribution === undefined ? {} : { distribution: group.distribution }),
    variants: group.variants.map((v) => ({
      label: label(v),
      subject: v.subject,
      spkiFingerprint: v.spkiFingerprint,
      fingerprints: v.fingerprints,
      notBefore: new Date(v.notBefore).toISOString(),
      notAfter: new Date(v.notAfter).toISOString(),
    })),
    currentBecause: group.currentBecause,
    phase: worst,
    places: progress,
    lagging: progress.filter((p) => p.lagging).map((p) => p.place),
  };
}

/** A certificate's live places, not counting copies appended after another certificate in a chain file. */
function liveOwnLocations(cert: InventoryCert): Location[] {
  const live = cert.locations.filter((l) => !l.backup);
  const own = live.filter((l) => blockIndexOf(l.ref) === 0);
  return own.length > 0 ? own : live;
}

function phaseOf(trusts: ReadonlySet<"old" | "new">, signedBy: ReadonlySet<"old" | "new">): RotationPhase {
  for (const s of signedBy) if (!trusts.has(s)) return "broken";
  const trustsOld = trusts.has("old");
  const trustsNew = trusts.has("new");
  const usesNew = signedBy.has("new");
  const usesOld = signedBy.has("old");
  if (!trustsNew) return "new-not-distributed";
  if (usesOld || (!usesNew && trustsOld)) return trustsOld ? "new-trusted" : "broken";
  return trustsOld ? "reissued" : "old-removed";
}

function sortLabels(s: ReadonlySet<"old" | "new">): Array<"old" | "new"> {
  return (["old", "new"] as const).filter((l) => s.has(l));
}
