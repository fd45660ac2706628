/**
 * The heal policy (`agent --heal FILE`, YAML or JSON): which repairs this node allows, each off unless
 * named, and the limits on acting (actions per day, quiet hours). Any problem is one ERR_CONFIG_INVALID
 * line naming the key, so the agent exits 2 at start-up instead of healing with a policy it misread.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { isIP } from "node:net";
import { load } from "js-yaml";
import { CertdoctorError, ErrorCode } from "../../errors.js";

export const REPAIR_IDS = ["kubelet-client-symlink", "kubelet-selfsigned-expired", "kubeedge-ca-resync"] as const;
export type RepairId = (typeof REPAIR_IDS)[number];

export interface KubeedgeResyncPolicy {
  /** CloudCore's address as edgecore dials it (host name or IP). */
  cloudcore: string;
  /** CloudCore's cloud hub port (edgecore's websocket/quic server), default 10000. */
  servingPort: number;
  /** Where CloudCore serves its CA, default https://<cloudcore>:10002/ca.crt. */
  caUrl: URL;
  /** SHA-256 fingerprints (of the CA certificate's DER) the fetched CA must match one of. */
  pinnedSha256: string[];
  /** Deadline of each probe and of the whole CA fetch. */
  timeoutMs: number;
  /** Most bytes accepted from the CA endpoint. */
  maxCaBytes: number;
}

export interface HealPolicy {
  repairs: {
    "kubelet-client-symlink"?: Record<string, never>;
    "kubelet-selfsigned-expired"?: Record<string, never>;
    "kubeedge-ca-resync"?: KubeedgeResyncPolicy;
  };
  limits: {
    /** Actions started in any 24 hours, refused or not counted: only writes count. */
    maxActionsPerDay: number;
    /** UTC minutes of the day [from, to): no action starts inside (to < from wraps midnight). */
    quietHours?: { from: number; to: number; text: string };
  };
}

const MAX_POLICY_BYTES = 64 * 1024;
const DEFAULT_MAX_ACTIONS_PER_DAY = 3;
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_CA_BYTES = 64 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

class PolicyError extends Error {
  constructor(
    readonly key: string,
    why: string,
  ) {
    super(why);
  }
}

function fail(key: string, why: string): never {
  throw new PolicyError(key, why);
}

type Obj = Record<string, unknown>;

function mapping(v: unknown, key: string): Obj {
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) fail(key, "must be a mapping");
  return v as Obj;
}

function onlyKeys(o: Obj, key: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(key === "" ? k : `${key}.${k}`, `unknown key (known: ${allowed.join(", ")})`);
}

function integer(v: unknown, key: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) fail(key, `must be a whole number from ${min} to ${max}`);
  return v;
}

/** `10s`, `1500ms`, `2m` or a number of seconds. */
function duration(v: unknown, key: string, dflt: number): number {
  if (v === undefined) return dflt;
  let ms: number | undefined;
  if (typeof v === "number" && Number.isFinite(v)) ms = v * 1000;
  if (typeof v === "string") {
    const m = /^(\d{1,6})(ms|s|m)$/.exec(v.trim());
    if (m) ms = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
  }
  if (ms === undefined || ms < 1 || ms > MAX_TIMEOUT_MS) fail(key, `must be a duration from 1ms to ${MAX_TIMEOUT_MS / 1000}s, e.g. 10s`);
  return ms;
}

function clock(text: string, key: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (m === null) fail(key, 'must be "HH:MM-HH:MM" (UTC), e.g. "22:00-06:00"');
  return Number(m[1]) * 60 + Number(m[2]);
}

function quietHours(v: unknown, key: string): HealPolicy["limits"]["quietHours"] {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(key, 'must be "HH:MM-HH:MM" (UTC), e.g. "22:00-06:00"');
  const parts = v.trim().split("-");
  if (parts.length !== 2) fail(key, 'must be "HH:MM-HH:MM" (UTC), e.g. "22:00-06:00"');
  const from = clock(parts[0]!.trim(), key);
  const to = clock(parts[1]!.trim(), key);
  if (from === to) fail(key, "must not start and end at the same minute");
  return { from, to, text: v.trim() };
}

/** A repair is on when named with a mapping (or nothing); `false` keeps it off. */
function named(repairs: Obj, id: RepairId): Obj | undefined {
  const v = repairs[id];
  if (v === undefined || v === false) return undefined;
  if (v === true) return {};
  return mapping(v, `repairs.${id}`);
}

function host(v: unknown, key: string): string {
  if (typeof v !== "string" || v.length === 0) fail(key, "is required: CloudCore's host name or IP address as edgecore dials it");
  const h = v.trim().toLowerCase();
  const name = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
  if (isIP(h) === 0 && !name.test(h)) fail(key, "must be a host name or an IP address (no port, no scheme)");
  return h;
}

function kubeedge(o: Obj): KubeedgeResyncPolicy {
  const key = "repairs.kubeedge-ca-resync";
  onlyKeys(o, key, ["cloudcore", "servingPort", "caUrl", "pinnedSha256", "timeout", "maxCaBytes"]);
  const cloudcore = host(o.cloudcore, `${key}.cloudcore`);
  const servingPort = integer(o.servingPort, `${key}.servingPort`, 1, 65535, 10000);
  let caUrl: URL;
  if (o.caUrl === undefined) caUrl = new URL(`https://${isIP(cloudcore) === 6 ? `[${cloudcore}]` : cloudcore}:10002/ca.crt`);
  else {
    try {
      caUrl = new URL(String(o.caUrl));
    } catch {
      fail(`${key}.caUrl`, "must be an https:// URL");
    }
    if (caUrl.protocol !== "https:" || caUrl.username !== "" || caUrl.password !== "") fail(`${key}.caUrl`, "must be an https:// URL without credentials");
  }
  const pins = o.pinnedSha256;
  const list = typeof pins === "string" ? [pins] : pins;
  if (!Array.isArray(list) || list.length === 0 || list.length > 16) {
    fail(`${key}.pinnedSha256`, "is required: the SHA-256 fingerprint(s) of CloudCore's CA certificate (openssl x509 -noout -fingerprint -sha256), 1 to 16 of them");
  }
  const pinnedSha256 = list.map((p, i) => {
    const hex = typeof p === "string" ? p.replace(/:/g, "").trim().toLowerCase() : "";
    if (!HEX64.test(hex)) fail(`${key}.pinnedSha256[${i}]`, "must be 64 hex digits (colons allowed)");
    return hex;
  });
  return {
    cloudcore,
    servingPort,
    caUrl,
    pinnedSha256,
    timeoutMs: duration(o.timeout, `${key}.timeout`, DEFAULT_TIMEOUT_MS),
    maxCaBytes: integer(o.maxCaBytes, `${key}.maxCaBytes`, 1024, 1024 * 1024, DEFAULT_MAX_CA_BYTES),
  };
}

/** Validates a parsed policy document; throws PolicyError naming the key. */
export function parseHealPolicy(doc: unknown): HealPolicy {
  const root = mapping(doc, "(document)");
  onlyKeys(root, "", ["repairs", "limits"]);
  const repairs = mapping(root.repairs, "repairs");
  onlyKeys(repairs, "repairs", REPAIR_IDS);
  const policy: HealPolicy = { repairs: {}, limits: { maxActionsPerDay: DEFAULT_MAX_ACTIONS_PER_DAY } };
  for (const id of ["kubelet-client-symlink", "kubelet-selfsigned-expired"] as const) {
    const o = named(repairs, id);
    if (o === undefined) continue;
    onlyKeys(o, `repairs.${id}`, []);
    policy.repairs[id] = {};
  }
  const ke = named(repairs, "kubeedge-ca-resync");
  if (ke !== undefined) policy.repairs["kubeedge-ca-resync"] = kubeedge(ke);
  if (Object.keys(policy.repairs).length === 0) fail("repairs", `names no repair: list at least one of ${REPAIR_IDS.join(", ")}`);
  const limits = mapping(root.limits, "limits");
  onlyKeys(limits, "limits", ["maxActionsPerDay", "quietHours"]);
  policy.limits.maxActionsPerDay = integer(limits.maxActionsPerDay, "limits.maxActionsPerDay", 0, 1000, DEFAULT_MAX_ACTIONS_PER_DAY);
  const quiet = quietHours(limits.quietHours, "limits.quietHours");
  if (quiet !== undefined) policy.limits.quietHours = quiet;
  return policy;
}

/** Reads and validates `--heal FILE` (bounded, never through a FIFO or device). */
export function readHealPolicy(path: string): HealPolicy {
  let text: string;
  try {
    text = readBounded(path);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--heal ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = load(text, { json: true });
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--heal ${path}: not YAML or JSON (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  try {
    return parseHealPolicy(doc);
  } catch (err) {
    if (err instanceof PolicyError) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--heal ${path}: ${err.key}: ${err.message}`);
    throw err;
  }
}

function readBounded(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "not a regular file" });
    if (st.size > MAX_POLICY_BYTES) throw Object.assign(new Error("too large"), { code: `larger than ${MAX_POLICY_BYTES} bytes` });
    const buf = Buffer.alloc(st.size);
    const n = st.size === 0 ? 0 : readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** True when `now` falls inside the policy's quiet hours. */
export function isQuietTime(policy: HealPolicy, now: Date): boolean {
  const q = policy.limits.quietHours;
  if (q === undefined) return false;
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return q.from < q.to ? minute >= q.from && minute < q.to : minute >= q.from || minute < q.to;
}
