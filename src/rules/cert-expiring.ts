import type { Finding } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { DAY_MS, makeFinding, type Rule, type RuleContext } from "./rule.js";
import { consequenceOf, humanDuration, isOsTrustStoreRoot, isoDate, lifetimeMs, liveRefs, nameCert, renewalFor } from "./support/describe.js";

/**
 * Warning and critical windows. Short-lived certificates (cert-manager, kubelet rotation) scale with their
 * lifetime so a renewal cycle does not page: warn under a third of the lifetime left, critical under a tenth.
 */
export function expiryWindows(cert: InventoryCert, ctx: RuleContext): { warnMs: number; critMs: number; scaled: { warn: boolean; crit: boolean } } {
  const warnMs = ctx.warnDays * DAY_MS;
  const critMs = ctx.critDays * DAY_MS;
  if (ctx.absoluteThresholds) return { warnMs, critMs, scaled: { warn: false, crit: false } };
  const lifetime = lifetimeMs(cert);
  return {
    warnMs: Math.min(warnMs, lifetime / 3),
    critMs: Math.min(critMs, lifetime / 10),
    scaled: { warn: lifetime / 3 < warnMs, crit: lifetime / 10 < critMs },
  };
}

/** Why it is reported at this level, e.g. "critical: less than a tenth of its 10-day lifetime left". */
function thresholdReason(severity: "critical" | "warning", cert: InventoryCert, ctx: RuleContext, scaled: { warn: boolean; crit: boolean }): string {
  const lifetime = humanDuration(lifetimeMs(cert));
  if (severity === "critical") {
    return scaled.crit ? `critical: less than a tenth of its ${lifetime} lifetime left` : `critical: within --crit-days ${ctx.critDays}`;
  }
  return scaled.warn ? `warning: less than a third of its ${lifetime} lifetime left` : `warning: within --warn-days ${ctx.warnDays}`;
}

export const certExpiring: Rule = {
  id: "cert-expiring",
  severity: "critical",
  title: "Certificate expires soon",
  explain: `A live certificate will expire within the warning window (\`--warn-days\`, default 30: warning)
or the critical window (\`--crit-days\`, default 7: critical). For short-lived certificates the windows
scale with the lifetime — warning when less than a third is left, critical under a tenth — so a 24-hour
certificate that is rotated on schedule does not alert at every cycle.

**Fix:** renew before it runs out (command per finding) and restart what uses it. Use
\`--now\` to ask "what breaks in 30 days?". Roots that live only in an operating-system trust store are info.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      const left = cert.record.notAfter - ctx.now;
      if (left < 0 || cert.record.notBefore > ctx.now) continue;
      const { warnMs, critMs, scaled } = expiryWindows(cert, ctx);
      if (left > warnMs) continue;
      const osRoot = isOsTrustStoreRoot(cert);
      const level = left <= critMs ? "critical" : "warning";
      out.push(
        makeFinding(this, {
          severity: osRoot ? "info" : level,
          title: `Expires in ${humanDuration(left)}: ${cert.record.subject}`,
          detail: `The ${nameCert(cert)} expires on ${isoDate(cert.record.notAfter)}, in ${humanDuration(left)} (lifetime ${humanDuration(lifetimeMs(cert))}; ${thresholdReason(level, cert, ctx, scaled)}). When it does: ${consequenceOf(cert, inv)}`,
          remediation: osRoot
            ? "A root in the operating system's trust store: keep the ca-certificates package current (update-ca-certificates / update-ca-trust), and make sure nothing you run still chains to it."
            : renewalFor(cert),
          certificates: [cert.record.fingerprint],
          locations: liveRefs(cert),
          breaksAt: cert.record.notAfter,
        }),
      );
    }
    return out;
  },
};
