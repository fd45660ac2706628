/**
 * `certdoctor timeline`: the change history (appeared, changed, removed at every location, with who
 * changed it), newest first, as a table or JSON — read from the store file (`--database`) or from a
 * running server's API (`--server URL --token-file F`).
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode, describeError } from "../../errors.js";
import { parseTimeSpec } from "../../server/query.js";
import { openStore, parseStoreSpec } from "../../store/open.js";
import type { ApiChange, ChangeKind, Page, TimelineFilter } from "../../store/types.js";
import type { CliIO } from "../io.js";
import { parseFormat, parsePositiveInt } from "../options.js";

export interface TimelineFlags {
  since?: string;
  until?: string;
  location?: string;
  kind?: string;
  caOnly?: boolean;
  node?: string;
  limit: string;
  format?: string;
  database?: string;
  server?: string;
  tokenFile?: string;
  caFile?: string;
  now?: string;
}

const KINDS: readonly ChangeKind[] = ["appeared", "changed", "removed"];
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function time(flag: string, v: string | undefined, now: number): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeSpec(v, now);
  if (t === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag} must be a duration back from now (24h, 7d) or an ISO-8601 time (got "${v}")`);
  return t;
}

function getJson(url: URL, token: string, ca: Buffer | undefined): Promise<unknown> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const req = send(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, timeout: 30_000, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new Error("response too large"));
        else chunks.push(c);
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return fail(new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `${url.origin} answered ${res.statusCode} with no JSON`));
        }
        if (res.statusCode !== 200) {
          const e = (body as { error?: { code?: string; message?: string } }).error;
          return fail(new CertdoctorError(ErrorCode.ERR_USAGE, `${url.origin} answered ${res.statusCode}${e ? `: ${e.code}: ${e.message}` : ""}`));
        }
        done(body);
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => fail(new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `cannot reach ${url.origin}: ${describeError(err)}`, { cause: err })));
    req.end();
  });
}

async function fromServer(f: TimelineFlags, filter: Omit<TimelineFilter, "limit" | "cursor">, limit: number, io: CliIO): Promise<ApiChange[]> {
  if (f.tokenFile === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--server needs --token-file (the API's bearer token)");
  let base: URL;
  try {
    base = new URL("/api/v1/timeline", f.server);
  } catch {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--server must be a URL such as https://certdoctor:8443 (got "${f.server}")`);
  }
  let token: string;
  try {
    token = readFileSync(resolve(io.cwd, f.tokenFile), "utf8").split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#")) ?? "";
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--token-file ${f.tokenFile}: ${describeError(err)}`, { cause: err });
  }
  const ca = f.caFile === undefined ? undefined : readFileSync(resolve(io.cwd, f.caFile));
  const out: ApiChange[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(base);
    if (filter.since !== undefined) url.searchParams.set("since", new Date(filter.since).toISOString());
    if (filter.until !== undefined) url.searchParams.set("until", new Date(filter.until).toISOString());
    if (filter.locationPrefix !== undefined) url.searchParams.set("location", filter.locationPrefix);
    if (filter.kind) url.searchParams.set("kind", filter.kind.join(","));
    if (filter.caOnly) url.searchParams.set("ca", "true");
    if (filter.node !== undefined) url.searchParams.set("node", filter.node);
    url.searchParams.set("limit", String(Math.min(1000, limit - out.length)));
    if (cursor) url.searchParams.set("cursor", cursor);
    const page = (await getJson(url, token, ca)) as Page<ApiChange>;
    out.push(...page.items);
    cursor = page.next;
  } while (cursor && out.length < limit);
  return out;
}

function who(c: ApiChange): string {
  const by = c.actor ? `${c.actor.manager} (${c.actor.operation}${c.actor.time ? ` ${c.actor.time}` : ""})` : "";
  const seen = c.source.name ? `${c.source.kind} ${c.source.name}` : c.source.kind;
  return [by && `by ${by}`, c.resourceVersion ? `rv ${c.resourceVersion}` : "", `seen by ${seen}`].filter(Boolean).join(", ");
}

function printTable(changes: ApiChange[], io: CliIO): void {
  if (changes.length === 0) {
    io.stdout("no changes in that window\n");
    return;
  }
  for (const c of changes) {
    const what = c.kind === "changed" ? `${c.oldSubject ?? c.oldFingerprint?.slice(0, 16)} -> ${c.newSubject ?? c.newFingerprint?.slice(0, 16)}` : (c.newSubject ?? c.oldSubject ?? c.newFingerprint ?? c.oldFingerprint ?? "");
    io.stdout(`${c.at}  ${c.kind.padEnd(8)} ${c.ca ? "CA " : ""}${c.location.ref}\n    ${what}\n    ${who(c)}\n`);
  }
}

export async function runTimeline(f: TimelineFlags, io: CliIO): Promise<number> {
  const format = parseFormat(f.format, io.isTTY);
  const now = f.now === undefined ? Date.now() : Date.parse(f.now);
  if (Number.isNaN(now)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--now must be an ISO-8601 time (got "${f.now}")`);
  const limit = parsePositiveInt("--limit", f.limit, 1);
  const kinds = f.kind?.split(",").filter((k) => k !== "");
  for (const k of kinds ?? []) if (!KINDS.includes(k as ChangeKind)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--kind: "${k}" is not one of ${KINDS.join(", ")}`);
  const filter: Omit<TimelineFilter, "limit" | "cursor"> = {
    ...(f.since === undefined ? {} : { since: time("--since", f.since, now) }),
    ...(f.until === undefined ? {} : { until: time("--until", f.until, now) }),
    ...(f.location === undefined ? {} : { locationPrefix: f.location }),
    ...(kinds && kinds.length > 0 ? { kind: kinds as ChangeKind[] } : {}),
    ...(f.caOnly ? { caOnly: true } : {}),
    ...(f.node === undefined ? {} : { node: f.node }),
  };
  let changes: ApiChange[];
  if (f.server !== undefined) {
    if (f.database !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "give --database or --server, not both");
    changes = await fromServer(f, filter, limit, io);
  } else {
    const store = await openStore(parseStoreSpec(f.database ?? "./certdoctor.db", io.cwd));
    try {
      changes = [];
      let cursor: string | undefined;
      do {
        const page = await store.timeline({ ...filter, limit: Math.min(1000, limit - changes.length), ...(cursor ? { cursor } : {}) });
        changes.push(...page.items);
        cursor = page.next ?? undefined;
      } while (cursor && changes.length < limit);
    } finally {
      await store.close();
    }
  }
  if (format === "json") io.stdout(`${JSON.stringify({ changes }, null, 2)}\n`);
  else printTable(changes, io);
  return 0;
}

export function registerTimeline(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command("timeline")
    .description("print the history of certificate changes (appeared, changed, removed; who changed it), newest first")
    .option("--since <when>", "only changes since: a duration back from now (24h, 7d) or an ISO-8601 time")
    .option("--until <when>", "only changes until then")
    .option("--location <prefix>", "only locations whose ref starts with PREFIX, e.g. secret:kubeedge/ or file:/etc/kubernetes/pki/")
    .option("--kind <kinds>", "appeared, changed, removed (comma-separated)")
    .option("--ca-only", "only changes of CA certificates and trust anchors")
    .option("--node <name>", "only changes on this node")
    .option("--limit <n>", "at most this many changes", "200")
    .option("--format <format>", "table or json (default: table on a terminal, json otherwise)")
    .option("--database <db>", "read this store: a file path, sqlite:PATH or postgres://… (default ./certdoctor.db)")
    .option("--server <url>", "read a running certdoctor serve's API instead")
    .option("--token-file <file>", "with --server: the API bearer token")
    .option("--ca-file <file>", "with --server over https: CA bundle that verifies it")
    .option("--now <iso8601>", "resolve --since/--until durations from this time")
    .action(async (flags: TimelineFlags) => {
      setExit(await runTimeline(flags, io));
    });
}
