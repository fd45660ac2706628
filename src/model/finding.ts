import type { RefString } from "./items.js";

export type Severity = "critical" | "warning" | "info";

export const severityRank: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  /** Plain-language: what is wrong and what will break, in operator terms. */
  detail: string;
  /** Concrete next step, naming the distribution's own command where one is known. */
  remediation: string;
  /** Fingerprints of the certificates involved. */
  certificates: string[];
  locations: RefString[];
  /**
   * ISO 8601 time at which the problem starts breaking something, when that lies ahead (the expiry of a
   * certificate that is still valid). Absent when it is broken already: such findings come first.
   */
  breaksAt?: string;
  /** The exact error Go's crypto/x509 returns, which the consuming Kubernetes component logs (trust, expiry and parse verdicts). */
  goError?: string;
}
