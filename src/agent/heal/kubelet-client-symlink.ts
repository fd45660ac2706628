/**
 * Repair `kubelet-client-symlink`: /var/lib/kubelet/pki/kubelet-client-current.pem is a regular file
 * (kubelet-rotation-blocked), so the kubelet cannot rotate its client certificate. Done as the kubelet does
 * it: the content gets the dated name kubelet-client-<YYYY-MM-DD-HH-MM-SS>.pem (a hard link: the bytes are
 * never copied) and kubelet-client-current.pem becomes a symlink to it in one rename. Only for a file that
 * holds a parseable, currently valid, non-CA certificate and the private key that matches it.
 */
import { lstatSync } from "node:fs";
import { posix } from "node:path";
import type { ScanResult } from "../../engine/types.js";
import { fileFindings, rulesAt } from "./findings.js";
import { hardLink, lstatOrUndefined, removeLeftoverTemps, replaceWithSymlink } from "./file-ops.js";
import { hostPath, refuseOutsideCertificateDirs } from "./guard.js";
import { readMaterial, type FileMaterial } from "./material.js";
import type { HealCandidate, HealCheck, HealContext, HealVerification, PreparedAction, Repair } from "./types.js";

const CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem";
const BLOCKED = "kubelet-rotation-blocked";

export const kubeletClientSymlink: Repair = {
  id: "kubelet-client-symlink",
  detect(scan: ScanResult, ctx: HealContext): HealCandidate[] {
    const hits = fileFindings(scan, ctx.root, BLOCKED, (p) => p === CURRENT);
    return hits.slice(0, 1).map((h) => ({
      repair: "kubelet-client-symlink",
      target: CURRENT,
      found: { rule: BLOCKED, ref: h.ref, detail: h.finding.title },
      key: `kubelet-client-symlink|${CURRENT}|${h.finding.certificates[0] ?? "?"}`,
    }));
  },

  async prepare(candidate: HealCandidate, ctx: HealContext): Promise<PreparedAction> {
    const checks: HealCheck[] = [];
    const path = hostPath(ctx.root, candidate.target);
    const dated = posix.join(posix.dirname(candidate.target), `kubelet-client-${kubeletStamp(ctx.now)}.pem`);
    const fail = (name: string, detail: string): PreparedAction => {
      checks.push({ name, ok: false, detail });
      return { checks, planned: [], undo: [] };
    };
    const outside = refuseOutsideCertificateDirs(ctx.root, candidate.target);
    if (outside !== undefined) return fail("InsideCertificateDirs", outside);
    checks.push({ name: "InsideCertificateDirs", ok: true, detail: `${posix.dirname(candidate.target)} is a known certificate directory reached through real directories` });
    const st = lstatOrUndefined(path);
    if (st === undefined || !st.isFile()) return fail("RegularFile", `${candidate.target} is ${st === undefined ? "missing" : st.isSymbolicLink() ? "already a symlink" : "not a regular file"}`);
    checks.push({ name: "RegularFile", ok: true, detail: `${candidate.target} is a regular file` });
    let material: FileMaterial;
    try {
      material = readMaterial(path);
    } catch (err) {
      return fail("Parseable", `${candidate.target} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    const pair = checkPair(material, ctx.now);
    checks.push(...pair.checks);
    if (pair.checks.some((c) => !c.ok)) return { checks, planned: [], undo: [] };
    const existing = lstatOrUndefined(hostPath(ctx.root, dated));
    // An interrupted run may have left the dated name as a second link to this very file: reuse it.
    const leftover = existing !== undefined && existing.isFile() && existing.ino === st.ino && existing.dev === st.dev;
    if (existing !== undefined && !leftover) return fail("DatedNameFree", `${dated} exists already`);
    checks.push({ name: "DatedNameFree", ok: true, detail: leftover ? `${dated} is already a link to this file (left by an interrupted run)` : `${dated} is free` });
    const fingerprint = material.certs[0]!.record.fingerprint;
    const planned = [{ path: candidate.target, action: "symlinked" as const, linkTo: posix.basename(dated), backup: dated, oldFingerprint: fingerprint, newFingerprint: fingerprint }];
    return {
      checks,
      planned,
      undo: [{ op: "move-back", from: dated, to: candidate.target, expectLinkTo: posix.basename(dated) }],
      apply(hooks) {
        const again = refuseOutsideCertificateDirs(ctx.root, candidate.target);
        if (again !== undefined) throw Object.assign(new Error(again), { code: "EUNSAFE" });
        if (readMaterial(path).sha256 !== material.sha256 || !lstatSync(path).isFile()) throw Object.assign(new Error(`${candidate.target} changed since it was checked`), { code: "ECHANGED" });
        hooks.beforeWrite?.();
        removeLeftoverTemps(path);
        if (!leftover) hardLink(path, hostPath(ctx.root, dated));
        replaceWithSymlink(path, posix.basename(dated));
      },
    };
  },

  verify(rescan: ScanResult, candidate: HealCandidate, ctx: HealContext): HealVerification {
    const still = rulesAt(rescan, ctx.root, candidate.target);
    const isLink = lstatOrUndefined(hostPath(ctx.root, candidate.target))?.isSymbolicLink() === true;
    const seen = rescan.certificates.some((c) => c.locations.some((l) => l.symlink === true && l.path === hostPath(ctx.root, candidate.target)));
    const ok = !still.includes(BLOCKED) && isLink && seen;
    return {
      ok,
      cleared: still.includes(BLOCKED) ? [] : [BLOCKED],
      remaining: still,
      detail: ok ? `the rescan reads ${candidate.target} through the symlink and no longer reports ${BLOCKED}` : `the rescan ${still.includes(BLOCKED) ? `still reports ${BLOCKED}` : "does not read the certificate through the symlink"}`,
    };
  },
};

/** The safety checks on the certificate + key file: parseable, one key matching the first certificate, not a CA, valid now. */
export function checkPair(material: FileMaterial, now: Date): { checks: HealCheck[] } {
  const checks: HealCheck[] = [];
  const cert = material.certs[0]?.record;
  if (material.unparseable.length > 0 || cert === undefined) {
    checks.push({ name: "Parseable", ok: false, detail: cert === undefined ? "holds no certificate" : `a certificate does not parse cleanly: ${material.unparseable[0]}` });
    return { checks };
  }
  checks.push({ name: "Parseable", ok: true, detail: `${material.certs.length} certificate(s), ${material.keys.length} private key(s)` });
  const matches = material.keys.length === 1 && material.keys[0] !== undefined && material.keys[0] === cert.spkiFingerprint;
  checks.push({
    name: "KeyMatchesCertificate",
    ok: matches,
    detail: matches ? `the private key is the key of ${cert.subject}` : material.keys.length !== 1 ? `holds ${material.keys.length} private keys; expected exactly one` : `the private key is not the key of ${cert.subject}`,
  });
  if (!matches) return { checks };
  checks.push({ name: "NotCa", ok: !cert.isCA, detail: cert.isCA ? `${cert.subject} is a CA: its key is never touched` : `${cert.subject} is not a CA` });
  const valid = cert.notBefore <= now.getTime() && now.getTime() < cert.notAfter;
  checks.push({ name: "WithinValidity", ok: valid, detail: `valid ${new Date(cert.notBefore).toISOString()} to ${new Date(cert.notAfter).toISOString()}` });
  return { checks };
}

/** kubelet's own name for a rotated client certificate: 2006-01-02-15-04-05 (UTC here). */
function kubeletStamp(now: Date): string {
  return now.toISOString().slice(0, 19).replace(/[T:]/g, "-");
}
