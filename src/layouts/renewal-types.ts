import type { Placement } from "./types.js";

/** What renewal advice needs to know about the certificate itself. */
export interface CertFacts {
  isCA: boolean;
  selfIssued: boolean;
  lifetimeDays: number;
}

/** Returns advice for a placement it knows, undefined to let the next describer try. */
export type RenewalDescriber = (placement: Placement, cert: CertFacts) => string | undefined;

export const GENERIC_RENEWAL = "Replace the certificate before notAfter and reload the process that uses it.";

/** Rounds a lifetime for display. */
export function formatDays(days: number): string {
  return Number.isFinite(days) ? String(Math.round(days)) : "unknown";
}
