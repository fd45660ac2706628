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
import { parseRef } from "../model/ref.js";
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
  /** For API objects: the object's resourceVersion and the managedFields entry behind a ref. */
  objectMeta?: (ref: string) => { resourceVersion?: string; actor?: Actor } | undefined;
}

/** Which of the server's sources produced a ref (by its kind). */
export function sourceOfRef(ref: string): ChangeSource {
  const kind = ref.slice(0, Math.max(0, ref.indexOf(":")));
  if (kind === "file" || kind === "kubeconfig" || kind === "process") return { kind: "file-scan", name: "" };
  if (kind === "endpoint") return { kind: "endpoint-probe", name: "" };
  return { kind: "kube-watch", name: "" };
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
  const findings: ObservedFinding[] = result.findings.map((f) => {
    const impact = impactAt(f.rule, f.certificates.map((fp) => notAfter.get(fp)).filter((t): t is number => t !== undefined), evaluatedAt);
    const node = f.locations.map((l) => nodeOf.get(l) ?? parseRef(l)?.node).find((n) => n !== undefined);
    const namespace = f.locations.map(refNamespace).find((n) => n !== undefined);
    return {
      id: findingId(f, scope),
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
  });
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
  return obs;
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
    source: sourceOfRef(l.ref),
    context: l.context,
  };
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
