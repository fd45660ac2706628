/**
 * `certdoctor approver --config FILE`: the approval policy's settings as YAML or JSON. Every key is
 * known (a typo is an error, not a silently weaker policy), regular expressions must compile, CIDRs must
 * parse. Bounded in size; any problem is ERR_CONFIG_INVALID naming the file and the key.
 */
import { readFileSync, statSync } from "node:fs";
import { load } from "js-yaml";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { parseCidr, type Cidr } from "./ip.js";
import { allowPattern, DEFAULT_APPROVAL_CONFIG, type ApprovalConfig } from "./policies.js";

const MAX_CONFIG_BYTES = 256 * 1024;
const CURVES = ["P-256", "P-384", "P-521"];

const KEYS = ["maxExpirationSeconds", "minRsaBits", "ecCurves", "allowEd25519", "allowedDnsNames", "allowedIpCidrs", "serviceCidrs", "clusterDomain", "allowSharedAddresses"] as const;

function fail(where: string, why: string, cause?: unknown): never {
  throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `${where}: ${why}`, cause === undefined ? {} : { cause });
}

function stringList(where: string, key: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) fail(where, `${key} must be a list of strings`);
  if (v.length > 1000) fail(where, `${key} has more than 1000 entries`);
  return v as string[];
}

function cidrs(where: string, key: string, v: unknown): Cidr[] {
  return stringList(where, key, v).map((t) => parseCidr(t) ?? fail(where, `${key}: "${t}" is not a CIDR (e.g. 10.96.0.0/12)`));
}

/** The settings from a parsed document; `where` names the file in errors. */
export function parseApprovalConfig(doc: unknown, where: string): ApprovalConfig {
  if (doc === null || doc === undefined) return { ...DEFAULT_APPROVAL_CONFIG };
  if (typeof doc !== "object" || Array.isArray(doc)) fail(where, "expected a mapping of settings");
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) fail(where, `unknown setting "${k}" (known: ${KEYS.join(", ")})`);
  const c: ApprovalConfig = { ...DEFAULT_APPROVAL_CONFIG };
  const int = (k: string, min: number, max: number): number => {
    const v = o[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(where, `${k} must be a whole number from ${min} to ${max}`);
    return v;
  };
  const bool = (k: string): boolean => (typeof o[k] === "boolean" ? (o[k] as boolean) : fail(where, `${k} must be true or false`));
  if (o.maxExpirationSeconds !== undefined) c.maxExpirationSeconds = int("maxExpirationSeconds", 600, 10 * 365 * 86400);
  if (o.minRsaBits !== undefined) c.minRsaBits = int("minRsaBits", 2048, 16384);
  if (o.ecCurves !== undefined) {
    c.ecCurves = stringList(where, "ecCurves", o.ecCurves);
    for (const curve of c.ecCurves) if (!CURVES.includes(curve)) fail(where, `ecCurves: "${curve}" is not one of ${CURVES.join(", ")}`);
  }
  if (o.allowEd25519 !== undefined) c.allowEd25519 = bool("allowEd25519");
  if (o.allowSharedAddresses !== undefined) c.allowSharedAddresses = bool("allowSharedAddresses");
  if (o.allowedDnsNames !== undefined) {
    c.allowedDnsNames = stringList(where, "allowedDnsNames", o.allowedDnsNames);
    for (const p of c.allowedDnsNames) {
      try {
        allowPattern(p, "node");
      } catch (err) {
        fail(where, `allowedDnsNames: "${p}" is not a valid regular expression`, err);
      }
    }
  }
  if (o.allowedIpCidrs !== undefined) c.allowedIpCidrs = cidrs(where, "allowedIpCidrs", o.allowedIpCidrs);
  if (o.serviceCidrs !== undefined) c.serviceCidrs = cidrs(where, "serviceCidrs", o.serviceCidrs);
  if (o.clusterDomain !== undefined) {
    if (typeof o.clusterDomain !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.clusterDomain)) fail(where, "clusterDomain must be a DNS name such as cluster.local");
    c.clusterDomain = o.clusterDomain;
  }
  return c;
}

export function readApprovalConfig(path: string | undefined): ApprovalConfig {
  if (path === undefined) return { ...DEFAULT_APPROVAL_CONFIG };
  const where = `--config ${path}`;
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) fail(where, `larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    fail(where, (err as NodeJS.ErrnoException).code ?? "unreadable", err);
  }
  let doc: unknown;
  try {
    doc = load(text, { json: true });
  } catch (err) {
    fail(where, `not YAML or JSON (${(err as Error).message.split("\n")[0]})`, err);
  }
  return parseApprovalConfig(doc, where);
}
