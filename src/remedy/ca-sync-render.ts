/** The text of a ca-sync plan: per target the current and new CA by fingerprint and the leaves that must trust it, today and after. Never key bytes. */
import type { CaSyncPlan } from "./ca-sync.js";

const short = (fp: string) => `${fp.slice(0, 16)}…`;

export function renderCaSyncPlan(plan: CaSyncPlan, options: { apply: boolean }): string {
  const s = plan.source;
  const out = [`ca-sync from ${s.name}: ${s.subject}, SHA-256 ${s.fingerprint}, key ${short(s.spkiFingerprint)}, valid until ${s.notAfter.slice(0, 10)}`];
  for (const r of plan.sourceReasons) out.push(`  REFUSED: ${r}`);
  for (const t of plan.targets) {
    out.push("", `${t.path}${t.encoding === undefined ? "" : ` (${t.encoding.toUpperCase()}${t.mode === undefined ? "" : `, mode ${t.mode.toString(8).padStart(4, "0")}`})`}: ${t.action === "replace" ? "would replace" : t.action === "unchanged" ? "already holds the new CA" : "refused"}`);
    if (t.current) out.push(`  now: ${t.current.subject}, SHA-256 ${t.current.fingerprint}, key ${short(t.current.spkiFingerprint)}`);
    if (t.action === "replace") out.push(`  new: ${s.subject}, SHA-256 ${s.fingerprint}, key ${short(s.spkiFingerprint)}`);
    if (t.leaves.length > 0) {
      out.push("  leaves that must trust it       today      after");
      for (const l of t.leaves) out.push(`    ${l.ref} (${l.subject}; ${l.because})  ${l.today ? "verifies" : "FAILS"}  ->  ${l.after ? "verifies" : "FAILS"}`);
    }
    for (const r of t.reasons) out.push(`  REFUSED: ${r}`);
    for (const f of t.forced) out.push(`  FORCED: ${f}`);
  }
  out.push("");
  if (!plan.ok) out.push("nothing was written: fix the refusals above (or --force where it is offered)");
  else if (!options.apply) out.push(`dry run: ${plan.targets.filter((t) => t.action === "replace").length} target(s) would be replaced; nothing was written (--apply to write)`);
  out.push("");
  return out.join("\n");
}
