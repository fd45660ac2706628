/**
 * Repair `kubelet-selfsigned-expired`: the kubelet's self-signed serving certificate
 * /var/lib/kubelet/pki/kubelet.crt (used when serving-certificate rotation is not configured) has expired
 * (cert-expired), so `kubectl logs/exec` and metrics scrapes to the node fail. The kubelet generates a new
 * pair on start when either file is missing, so the pair is moved aside (renamed to `.<stamp>.bak`, never
 * deleted) and the event says the kubelet must be restarted. Only for a parseable, self-signed, expired
 * certificate whose key is in kubelet.key and has signed nothing else on the node (never a CA's key).
 */
import { X509Certificate } from "node:crypto";
import { posix } from "node:path";
import type { ScanResult } from "../../engine/types.js";
import { fileFindings, rulesAt } from "./findings.js";
import { backupName, lstatOrUndefined, moveNoClobber } from "./file-ops.js";
import { hostPath, refuseOutsideCertificateDirs } from "./guard.js";
import { readMaterial, type FileMaterial } from "./material.js";
import type { HealCandidate, HealChange, HealCheck, HealContext, HealVerification, PreparedAction, Repair, UndoStep } from "./types.js";

const CRT = "/var/lib/kubelet/pki/kubelet.crt";
const KEY = "/var/lib/kubelet/pki/kubelet.key";
/** With serving-certificate rotation the kubelet serves this instead and never reads kubelet.crt. */
const ROTATED_SERVING = "/var/lib/kubelet/pki/kubelet-server-current.pem";
const EXPIRED = "cert-expired";
const RESTART = "restart the kubelet (systemctl restart kubelet): it generates a new self-signed kubelet.crt and kubelet.key on start";

export const kubeletSelfsignedExpired: Repair = {
  id: "kubelet-selfsigned-expired",

  detect(scan: ScanResult, ctx: HealContext): HealCandidate[] {
    if (lstatOrUndefined(hostPath(ctx.root, ROTATED_SERVING)) !== undefined) return [];
    return fileFindings(scan, ctx.root, EXPIRED, (p) => p === CRT)
      .slice(0, 1)
      .map((h) => ({
        repair: "kubelet-selfsigned-expired",
        target: CRT,
        found: { rule: EXPIRED, ref: h.ref, detail: h.finding.goError ?? h.finding.title },
        key: `kubelet-selfsigned-expired|${CRT}|${h.finding.certificates[0] ?? "?"}`,
      }));
  },

  async prepare(candidate: HealCandidate, ctx: HealContext, scan: ScanResult): Promise<PreparedAction> {
    const checks: HealCheck[] = [];
    const refused = (): PreparedAction => ({ checks, planned: [], undo: [] });
    const check = (name: string, ok: boolean, detail: string) => {
      checks.push({ name, ok, detail });
      return ok;
    };
    const outside = refuseOutsideCertificateDirs(ctx.root, CRT) ?? refuseOutsideCertificateDirs(ctx.root, KEY);
    if (!check("InsideCertificateDirs", outside === undefined, outside ?? `${posix.dirname(CRT)} is a known certificate directory reached through real directories`)) return refused();
    const kinds = [CRT, KEY].map((p) => lstatOrUndefined(hostPath(ctx.root, p)));
    const regular = kinds.every((st) => st?.isFile() === true);
    if (!check("RegularFiles", regular, regular ? "kubelet.crt and kubelet.key are regular files" : `${kinds[0]?.isFile() ? KEY : CRT} is missing, a symlink or not a regular file`)) return refused();
    let crt: FileMaterial;
    let key: FileMaterial;
    try {
      crt = readMaterial(hostPath(ctx.root, CRT));
      key = readMaterial(hostPath(ctx.root, KEY));
    } catch (err) {
      check("Parseable", false, `cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      return refused();
    }
    const cert = crt.certs[0];
    const clean = cert !== undefined && crt.unparseable.length === 0 && crt.keys.length === 0;
    if (!check("Parseable", clean, clean ? `${CRT} holds ${cert.record.subject}` : `${CRT} does not hold cleanly parsed certificates only${crt.unparseable[0] ? ` (${crt.unparseable[0]})` : ""}`)) return refused();
    const record = cert!.record;
    const selfSigned = record.subjectDer === record.issuerDer && verifiesItself(cert!.der);
    const expired = record.notAfter <= ctx.now.getTime();
    const matches = key.keys.length === 1 && key.keys[0] === record.spkiFingerprint && key.certs.length === 0;
    const signedOthers = scan.certificates.filter((c) => c.record.fingerprint !== record.fingerprint && c.issuers.includes(record.fingerprint));
    const ok = [
      check("SelfSigned", selfSigned, selfSigned ? "issued by itself, signature verified with its own key" : `${record.subject} is issued by ${record.issuer}: not the kubelet's self-signed certificate`),
      check("Expired", expired, `expired ${new Date(record.notAfter).toISOString()}${expired ? "" : " is still ahead"}`),
      check("KeyMatchesCertificate", matches, matches ? `${KEY} holds its private key and nothing else` : `${KEY} does not hold exactly the certificate's private key`),
      check("NotAnIssuingCa", signedOthers.length === 0, signedOthers.length === 0 ? "its key signed no other certificate on the node" : `its key signed ${signedOthers.map((c) => c.record.subject).join(", ")}: a CA key is never touched`),
    ].every(Boolean);
    if (!ok) return refused();
    const crtAside = backupName(hostPath(ctx.root, CRT), ctx.now);
    const keyAside = backupName(hostPath(ctx.root, KEY), ctx.now);
    if (!check("AsideNamesFree", true, `${posix.basename(crtAside)} and ${posix.basename(keyAside)} are free`)) return refused();
    const nodeOf = (p: string) => p.slice(ctx.root.replace(/\/$/, "").length);
    const planned: HealChange[] = [
      { path: CRT, action: "moved", movedTo: nodeOf(crtAside), backup: nodeOf(crtAside), oldFingerprint: record.fingerprint },
      { path: KEY, action: "moved", movedTo: nodeOf(keyAside), backup: nodeOf(keyAside) },
    ];
    const undo: UndoStep[] = [
      { op: "move-back", from: nodeOf(crtAside), to: CRT },
      { op: "move-back", from: nodeOf(keyAside), to: KEY },
    ];
    return {
      checks,
      planned,
      undo,
      restart: RESTART,
      apply(hooks) {
        const again = refuseOutsideCertificateDirs(ctx.root, CRT);
        if (again !== undefined) throw Object.assign(new Error(again), { code: "EUNSAFE" });
        if (readMaterial(hostPath(ctx.root, CRT)).sha256 !== crt.sha256 || readMaterial(hostPath(ctx.root, KEY)).sha256 !== key.sha256) {
          throw Object.assign(new Error("kubelet.crt or kubelet.key changed since they were checked"), { code: "ECHANGED" });
        }
        hooks.beforeWrite?.();
        moveNoClobber(hostPath(ctx.root, CRT), crtAside);
        moveNoClobber(hostPath(ctx.root, KEY), keyAside);
      },
    };
  },

  verify(rescan: ScanResult, candidate: HealCandidate, ctx: HealContext): HealVerification {
    const still = rulesAt(rescan, ctx.root, CRT);
    const gone = lstatOrUndefined(hostPath(ctx.root, CRT)) === undefined && lstatOrUndefined(hostPath(ctx.root, KEY)) === undefined;
    const ok = !still.includes(EXPIRED) && gone;
    return {
      ok,
      cleared: still.includes(EXPIRED) ? [] : [EXPIRED],
      remaining: still,
      detail: ok ? `the rescan no longer finds the expired ${CRT}; ${RESTART}` : `the rescan ${still.includes(EXPIRED) ? `still reports ${EXPIRED} at ${CRT}` : "finds kubelet.crt or kubelet.key in place"}`,
    };
  },
};

function verifiesItself(der: Buffer): boolean {
  try {
    const x = new X509Certificate(der);
    return x.verify(x.publicKey);
  } catch {
    return false;
  }
}
