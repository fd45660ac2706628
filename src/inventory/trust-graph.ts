import type { CertRecord } from "../model/cert.js";
import type { CertEntry } from "./build.js";

export interface VerifyTask {
  child: string;
  issuer: string;
}

export interface VerificationPlan {
  /** Tasks grouped by the parse unit holding the child's signature material. */
  byUnit: Map<number, VerifyTask[]>;
  /** Issuer SPKI DER by issuer fingerprint, for every task. */
  spkis: Map<string, Uint8Array>;
}

/**
 * Finds candidate issuers by name (issuer DN bytes = subject DN bytes) and plans one signature check
 * per candidate. Candidates whose subjectKeyId contradicts the child's authorityKeyId are rejected
 * without a check: another key with the same name — exactly the "signed by unknown authority" case.
 */
export function planVerification(entries: Map<string, CertEntry>): VerificationPlan {
  const bySubject = new Map<string, CertEntry[]>();
  for (const e of entries.values()) {
    if (e.spki === undefined) continue;
    const list = bySubject.get(e.record.subjectDer);
    if (list) list.push(e);
    else bySubject.set(e.record.subjectDer, [e]);
  }
  const byUnit = new Map<number, VerifyTask[]>();
  const spkis = new Map<string, Uint8Array>();
  for (const child of entries.values()) {
    const candidates = bySubject.get(child.record.issuerDer);
    if (!candidates) continue;
    for (const issuer of candidates) {
      if (issuer !== child && isContradictedByKeyId(child.record, issuer.record)) {
        child.rejectedIssuers.push(issuer.record.fingerprint);
        continue;
      }
      let tasks = byUnit.get(child.holder);
      if (!tasks) byUnit.set(child.holder, (tasks = []));
      tasks.push({ child: child.record.fingerprint, issuer: issuer.record.fingerprint });
      spkis.set(issuer.record.fingerprint, issuer.spki!);
    }
  }
  return { byUnit, spkis };
}

export function applyVerification(entries: Map<string, CertEntry>, tasks: VerifyTask[], results: boolean[]): void {
  tasks.forEach((task, i) => {
    const child = entries.get(task.child);
    if (!child) return;
    if (results[i]) child.issuers.push(task.issuer);
    else child.rejectedIssuers.push(task.issuer);
  });
}

function isContradictedByKeyId(child: CertRecord, issuer: CertRecord): boolean {
  return child.authorityKeyId !== undefined && issuer.subjectKeyId !== undefined && child.authorityKeyId !== issuer.subjectKeyId;
}
