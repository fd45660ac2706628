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
 * Finds candidate issuers by name (issuer DN bytes = subject DN bytes, as Go's CertPool matches them) and
 * plans one signature check per candidate. Key identifiers only order Go's candidates, they never exclude
 * one: a valid signature under a different subjectKeyId still chains in Go, so it is checked here too.
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
