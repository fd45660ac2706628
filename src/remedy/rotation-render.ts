/** Renders a CA rotation report as text (terminal, Markdown-friendly). */
import { PHASE_TITLES, type RotationReport } from "./rotation.js";

export function renderRotationText(report: RotationReport): string {
  const out: string[] = [];
  if (report.rotations.length === 0) {
    return `No CA rotation in progress: every CA identity has one key (evaluated at ${report.evaluatedAt}).\n`;
  }
  out.push(`CA rotations: ${report.rotations.length} CA identit${report.rotations.length === 1 ? "y" : "ies"} with more than one key (evaluated at ${report.evaluatedAt}).`);
  if (report.lagging.length > 0) {
    out.push("", "Lagging:");
    for (const l of report.lagging) out.push(`  ${l.place}: ${l.identities.join(", ")}`);
  }
  for (const r of report.rotations) {
    const done = r.places.filter((p) => p.phase === "old-removed").length;
    out.push("", `${r.identity}${r.distribution === undefined ? "" : ` (${r.distribution})`}${r.scope === undefined ? "" : ` in cluster ${r.scope}`}: ${done} of ${r.places.length} places done; the furthest behind: ${PHASE_TITLES[r.phase]}`);
    for (const v of r.variants) {
      out.push(`  ${v.label === "new" ? "new" : "old"}: ${v.subject}, key ${v.spkiFingerprint.slice(0, 16)}…, valid ${v.notBefore.slice(0, 10)}..${v.notAfter.slice(0, 10)}`);
    }
    out.push(`  the new one is the current CA because ${r.currentBecause}`);
    const width = Math.max(5, ...r.places.map((p) => p.place.length));
    out.push(`  ${"PLACE".padEnd(width)}  ${"TRUSTS".padEnd(7)}  ${"SIGNED BY".padEnd(9)}  PHASE`);
    for (const p of r.places) {
      const mark = p.lagging ? "  <- lags" : "";
      out.push(`  ${p.place.padEnd(width)}  ${(p.trusts.join("+") || "-").padEnd(7)}  ${(p.signedBy.join("+") || "-").padEnd(9)}  ${PHASE_TITLES[p.phase]}${mark}`);
    }
  }
  out.push("");
  return out.join("\n");
}
