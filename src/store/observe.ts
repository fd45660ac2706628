/**
 * A scan's result as the store's Observation: public certificate fields, one placement per location
 * (with what the layout knows: role, trust context, CA identity, anchor, backup, whether the key was
 * found beside it), findings with their stable ids, and the scan's source errors. Key material and
 * Secret payloads are not in a ScanResult's certificates and are never copied here: keys contribute
 * only the fact that a public-key fingerprint was seen.
 */
import { basename } from "node:path";
import type { ScanResult } from "../engine/types.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { Finding } from "../model/finding.js";
import { parseRef } from "../model/ref.js";
import { scopeRoots } from "../inventory/build.js";
import { findingId, impactAt } from "./finding-id.js";
import { refNamespace } from "./ref-parts.js";
import type { Actor, ChangeSource, Observation, ObservedCert, ObservedFinding, ObservedPlacement, Store, WriteSummary } from "./types.js";

export interface ObserveOptions {
  /** Store scope; `server` for the server's own sources. */
  scope?: string;
  /** When the scan started (ms); defaults to evaluatedAt - duration. */
  startedAt?: number;
  /** Refs whose source failed this time: their placements and findings are kept as they were. */
  isPreserved?: (ref: string) => boolean;
  /** The scan's named paths (`--path NAME=DIR`: DIR -> NAME), each its own store scope `<scope>@NAME`. */
  clusterScopes?: Readonly<Record<string, string>>;
  /** For API objects: the object's resourceVersion and the managedFields entry behind a ref. */
  objectMeta?: (ref: string) => { resourceVersion?: string; actor?: Actor } | undefined;
}

const PATH_KINDS = new Set(["file", "kubeconfig", "process"]);

/**
 * Which of the server's sources produced a location: a file rescan (an object read from a dump names
 * its manifest file, since its `secret:` ref does not), an endpoint probe, or the cluster watch.
 */
export function sourceOfLocation(l: Pick<Location, "ref" | "path">): ChangeSource {
  const kind = parseRef(l.ref)?.kind ?? "";
  if (PATH_KINDS.has(kind)) return { kind: "file-scan", name: "" };
  if (l.path !== undefined) return { kind: "file-scan", name: l.path };
  if (kind === "endpoint") return { kind: "endpoint-probe", name: "" };
  return { kind: "kube-watch", name: "" };
}

/** The store scope of a location: a named `--path NAME=DIR`'s own (`server@NAME`), else the scan's. */
export function storeScope(base: string, clusterScope: string | undefined): string {
  return clusterScope === undefined ? base : `${base}@${clusterScope}`;
}

function observedCert(c: InventoryCert): ObservedCert {
  const r = c.record;
  const out: ObservedCert = {
    fingerprint: r.fingerprint,
    subject: r.subject,
    issuer: r.issuer,
    serialNumber: r.serialNumber,
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    isCA: r.isCA,
    keyType: r.keyType,
    keySize: r.keySize,
    signatureAlgorithm: r.signatureAlgorithm,
    dnsNames: r.dnsNames,
    ipAddresses: r.ipAddresses,
    issuers: c.issuers,
  };
  if (r.subjectKeyId) out.subjectKeyId = r.subjectKeyId;
  if (r.authorityKeyId) out.authorityKeyId = r.authorityKeyId;
  if (r.spkiFingerprint) out.spkiFingerprint = r.spkiFingerprint;
  return out;
}

export function observationFromScan(result: ScanResult, options: ObserveOptions = {}): Observation {
  const scope = options.scope ?? "server";
  const evaluatedAt = result.evaluatedAt.getTime();
  const keys = new Set(result.keys.filter((k) => k.key.spkiFingerprint).map((k) => `${k.location.scope ?? ""}\0${k.key.spkiFingerprint}`));
  const certificates = result.certificates.map(observedCert);
  const placements: ObservedPlacement[] = [];
  const nodeOf = new Map<string, string>();
  for (const c of result.certificates) {
    for (const l of c.locations) {
      placements.push(placementOf(c, l, keys, options));
      const node = nodeName(l);
      if (node) nodeOf.set(l.ref, node);
    }
  }
  const notAfter = new Map(result.certificates.map((c) => [c.record.fingerprint, c.record.notAfter]));
  const scopesOf = findingScopes(result, scope, options.clusterScopes ?? {});
  const findings: ObservedFinding[] = result.findings.flatMap((f) => scopesOf(f).map((findingScope) => {
    const impact = impactAt(f.rule, f.certificates.map((fp) => notAfter.get(fp)).filter((t): t is number => t !== undefined), evaluatedAt);
    const node = f.locations.map((l) => nodeOf.get(l) ?? parseRef(l)?.node).find((n) => n !== undefined);
    const namespace = f.locations.map(refNamespace).find((n) => n !== undefined);
    const out: ObservedFinding = {
      id: findingId(f, findingScope),
      rule: f.rule,
      severity: f.severity,
      title: f.title,
      detail: f.detail,
      remediation: f.remediation,
      certificates: f.certificates,
      locations: f.locations,
      ...(node ? { node } : {}),
      ...(namespace ? { namespace } : {}),
      ...(impact === undefined ? {} : { impactAt: impact }),
    };
    if (findingScope !== scope) out.scope = findingScope;
    return out;
  }));
  const obs: Observation = {
    scope,
    source: { kind: "file-scan", name: "" },
    startedAt: options.startedAt ?? evaluatedAt - result.stats.durationMs,
    evaluatedAt,
    durationMs: result.stats.durationMs,
    certificates,
    placements,
    findings,
    issues: result.issues.filter((i) => !i.material).map((i) => ({ code: i.code, ref: i.ref, message: i.message })),
  };
  if (options.isPreserved) obs.isPreserved = options.isPreserved;
  if (scope === "server") obs.replacesNamedScopes = true;
  return obs;
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/**
 * The store scopes a finding belongs to: those of the named paths where each of its locations holds
 * its certificates (two clusters' dumps with the same Secret and the same expiring certificate are two
 * findings, one per cluster); the scan's own scope for a finding that spans clusters or names places
 * the inventory does not hold.
 */
function findingScopes(result: ScanResult, base: string, clusterScopes: Readonly<Record<string, string>>): (f: Finding) => string[] {
  const roots = scopeRoots(Object.keys(clusterScopes), clusterScopes);
  if (roots.length === 0) return () => [base];
  const at = new Map<string, Set<string>>();
  const note = (key: string, l: Pick<Location, "scope">) => {
    const s = storeScope(base, l.scope);
    const set = at.get(key);
    if (set) set.add(s);
    else at.set(key, new Set([s]));
  };
  for (const c of result.certificates) {
    for (const l of c.locations) {
      note(l.ref, l);
      note(`${c.record.fingerprint}\0${l.ref}`, l);
    }
  }
  for (const k of result.keys) note(k.location.ref, k.location);
  for (const c of result.csrs) note(c.location.ref, c.location);
  // CSR objects from a dump carry only their file's path
  for (const c of result.kubeCsrs) {
    const root = c.path === undefined ? undefined : roots.filter((r) => isUnder(c.path!, r.root)).sort((a, b) => b.root.length - a.root.length)[0];
    if (root !== undefined) note(c.ref, { scope: root.name });
  }
  return (f) => {
    let common: Set<string> | undefined;
    for (const ref of f.locations) {
      const here = f.certificates.map((fp) => at.get(`${fp}\0${ref}`)).find((s) => s !== undefined) ?? at.get(ref);
      if (here === undefined) continue;
      common = common === undefined ? new Set(here) : new Set([...common].filter((s) => here.has(s)));
    }
    return common === undefined || common.size === 0 ? [base] : [...common].sort();
  };
}

/** The node a location is on, by name: the layout's node folder (`/dump/cp-1` -> `cp-1`). */
function nodeName(l: Location): string | undefined {
  return l.node ? basename(l.node) || l.node : undefined;
}

function placementOf(c: InventoryCert, l: Location, keys: Set<string>, options: ObserveOptions): ObservedPlacement {
  const p: ObservedPlacement = {
    ref: l.ref,
    fingerprint: c.record.fingerprint,
    anchor: l.anchor,
    backup: l.backup,
    keyPresent: c.record.spkiFingerprint !== undefined && keys.has(`${l.scope ?? ""}\0${c.record.spkiFingerprint}`),
    source: sourceOfLocation(l),
    context: l.context,
  };
  if (l.scope !== undefined) p.scope = storeScope(options.scope ?? "server", l.scope);
  const node = nodeName(l);
  if (node) p.node = node;
  const ns = refNamespace(l.ref);
  if (ns) p.namespace = ns;
  const role = l.roleTitle ?? l.role;
  if (role) p.role = role;
  if (l.caIdentity) p.caIdentity = l.caIdentity;
  const meta = options.objectMeta?.(l.ref);
  if (meta?.resourceVersion) p.resourceVersion = meta.resourceVersion;
  if (meta?.actor) p.actor = meta.actor;
  return p;
}

/** Records one scan of the server's own sources; what the serve loop (and the dashboard's tests) call. */
export function recordScanResult(store: Store, result: ScanResult, options: ObserveOptions = {}): Promise<WriteSummary> {
  return store.recordObservation(observationFromScan(result, options));
}
