/**
 * What an observation says, as a digest: two observations of a scope with the same digest hold the same
 * certificates, placements, findings and source errors, so the second changes nothing but the times.
 * The writer keeps each scope's last digest and skips comparing an unchanged report row by row (a
 * fleet's agents report the same thing most of the time). Times are not part of it.
 */
import { createHash } from "node:crypto";
import type { Observation } from "../types.js";

export function observationDigest(obs: Observation): string {
  return createHash("sha256")
    .update(JSON.stringify([obs.scope, obs.replacesNamedScopes === true, obs.source, obs.certificates, obs.placements, obs.findings, obs.issues]))
    .digest("base64url");
}
