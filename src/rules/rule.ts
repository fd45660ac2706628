import type { Finding, Severity } from "../model/finding.js";
import type { Inventory } from "../inventory/inventory.js";

/** Inputs a rule may depend on besides the inventory. Time is an input, never read from the clock. */
export interface RuleContext {
  /** ms since epoch */
  now: number;
  warnDays: number;
  critDays: number;
  maxChainLength: number;
  /** Use --warn-days/--crit-days as they are, without scaling them down for short-lived certificates. */
  absoluteThresholds?: boolean;
}

export interface Rule {
  /** kebab-case; never renamed, only deprecated. */
  readonly id: string;
  /** The most severe level this rule reports. */
  readonly severity: Severity;
  readonly title: string;
  /** Markdown: why it matters and how to fix it; shown by `certdoctor explain <id>`. */
  readonly explain: string;
  check(inv: Inventory, ctx: RuleContext): Finding[];
}

export interface FindingFields {
  severity?: Severity;
  title?: string;
  detail: string;
  remediation: string;
  certificates: string[];
  locations: string[];
  /** ms since epoch: when the problem starts breaking something, if that is still ahead. */
  breaksAt?: number;
  goError?: string;
}

export function makeFinding(rule: Rule, f: FindingFields): Finding {
  const finding: Finding = {
    rule: rule.id,
    severity: f.severity ?? rule.severity,
    title: f.title ?? rule.title,
    detail: f.detail,
    remediation: f.remediation,
    certificates: [...new Set(f.certificates)],
    locations: [...new Set(f.locations)],
    ...(f.breaksAt === undefined ? {} : { breaksAt: new Date(f.breaksAt).toISOString() }),
  };
  if (f.goError !== undefined) finding.goError = f.goError;
  return finding;
}

export const DAY_MS = 86_400_000;
