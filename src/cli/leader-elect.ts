/**
 * The `--leader-elect*` flags `serve` and `approver` share: one Lease per deployment, client-go's default
 * timings (15s/10s/2s) unless told otherwise, and the identity client-go uses (pod name plus a random suffix).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Command } from "commander";
import type { LeaseSettings } from "../controller/leader.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { parseDuration } from "./options.js";

export interface LeaderElectFlags {
  leaderElect?: boolean;
  leaderElectNamespace: string;
  leaderElectName: string;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
}

/** client-go's defaults. */
const TIMING = { leaseDuration: "15s", renewDeadline: "10s", retryPeriod: "2s" } as const;


/** Adds the flags; `description` is --leader-elect's help (what the holder of the Lease does), `defaultName` names the Lease. */
export function addLeaderElectOptions(cmd: Command, description: string, defaultName: string): Command {
  return cmd
    .option("--leader-elect", description)
    .option("--leader-elect-namespace <ns>", "namespace of the Lease", process.env.POD_NAMESPACE ?? "certdoctor")
    .option("--leader-elect-name <name>", "name of the Lease", defaultName)
    .option("--leader-elect-lease-duration <duration>", "a Lease not renewed for this long may be taken over", TIMING.leaseDuration)
    .option("--leader-elect-renew-deadline <duration>", "the leader stops when it could not renew for this long", TIMING.renewDeadline)
    .option("--leader-elect-retry-period <duration>", "try to acquire or renew this often", TIMING.retryPeriod);
}

/** The validated settings, or undefined without --leader-elect. Bad timings are ERR_USAGE naming the flag. */
export function leaderElectSettings(flags: LeaderElectFlags): LeaseSettings | undefined {
  if (!flags.leaderElect) return undefined;
  const leaseDurationMs = parseDuration("--leader-elect-lease-duration", flags.leaderElectLeaseDuration ?? TIMING.leaseDuration, { min: 1000 });
  const renewDeadlineMs = parseDuration("--leader-elect-renew-deadline", flags.leaderElectRenewDeadline ?? TIMING.renewDeadline, { min: 500 });
  const retryPeriodMs = parseDuration("--leader-elect-retry-period", flags.leaderElectRetryPeriod ?? TIMING.retryPeriod, { min: 100 });
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, "leader election needs --leader-elect-retry-period < --leader-elect-renew-deadline < --leader-elect-lease-duration");
  }
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomUUID()}`;
  return { namespace: flags.leaderElectNamespace, name: flags.leaderElectName, identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}
