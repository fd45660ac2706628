import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { request } from "node:https";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { isAbortError } from "../fs/private-dir.js";
import type { Spool, SpoolEntry, SpoolLog } from "./spool.js";

/** Where and how reports are POSTed (docs/agent.md: the contract). */
export interface DeliveryTarget {
  url: URL;
  /** PEM CA bundle that must verify the central side (default: the system roots). */
  ca?: Buffer;
  /** mTLS client certificate and key (PEM). */
  cert?: Buffer;
  key?: Buffer;
  /** Bearer token file, re-read for every request (projected service-account tokens rotate). */
  tokenFile?: string;
  /** Per-request timeout (connect, TLS, response). */
  timeoutMs: number;
  userAgent: string;
}

export type DeliveryOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "rejected"; status: number }
  | { kind: "retry"; status?: number; reason: string; retryAfterMs?: number };

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_TOKEN_BYTES = 16 * 1024;
/** Refused for good: the report itself is at fault, retrying cannot help. */
const REJECTED = new Set([400, 413, 422]);

/** POSTs one report. Never throws: every failure is an outcome. The token and the body never reach a log. */
export async function postReport(target: DeliveryTarget, body: Buffer, agentId: string, sequence: number): Promise<DeliveryOutcome> {
  let token: string | undefined;
  if (target.tokenFile !== undefined) {
    try {
      token = (await readTokenFile(target.tokenFile)).toString("utf8").trim();
    } catch {
      return { kind: "retry", reason: "token file unreadable" };
    }
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: DeliveryOutcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "content-length": String(body.length),
      "user-agent": target.userAgent,
      "idempotency-key": `${agentId}:${sequence}`,
      "x-certdoctor-agent-id": agentId,
      "x-certdoctor-sequence": String(sequence),
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let req: ReturnType<typeof request>;
    try {
      req = request(target.url, {
        method: "POST",
        headers,
        agent: false,
        ...(target.ca ? { ca: target.ca } : {}),
        ...(target.cert ? { cert: target.cert } : {}),
        ...(target.key ? { key: target.key } : {}),
        timeout: target.timeoutMs,
      });
    } catch (err) {
      done({ kind: "retry", reason: (err as NodeJS.ErrnoException).code ?? "request failed" });
      return;
    }
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })), target.timeoutMs);
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done({ kind: "retry", reason: err.code ?? "connection failed" });
    });
    req.on("response", (res) => {
      let seen = 0;
      res.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_RESPONSE_BYTES) res.destroy();
      });
      const finish = () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || status === 409) done({ kind: "delivered", status });
        else if (REJECTED.has(status)) done({ kind: "rejected", status });
        else {
          const retryAfter = Number(res.headers["retry-after"]);
          done({ kind: "retry", status, reason: `HTTP ${status}`, ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}) });
        }
      };
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", () => finish());
    });
    req.end(body);
  });
}

/** The token, re-read per request without a synchronous call (a projected volume on a node whose kubelet hangs), never from a FIFO or device. */
async function readTokenFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_TOKEN_BYTES) throw new Error("not a regular file of token size");
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export interface RetryPolicy {
  /** Attempts per report in one flush before giving up until the next flush. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export interface FlushResult {
  delivered: number;
  rejected: number;
  remaining: number;
  /** The last failure when the flush stopped early. */
  failure?: string;
}

/**
 * Delivers queued reports oldest first; stops at the first report that still fails after `maxAttempts`, so order is kept.
 * Throws the spool's ERR_SPOOL_UNAVAILABLE (a stuck spool directory) and AbortError.
 */
export async function flushSpool(
  spool: Spool,
  target: DeliveryTarget,
  policy: RetryPolicy,
  log: SpoolLog,
  sleep: (ms: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<FlushResult> {
  const result: FlushResult = { delivered: 0, rejected: 0, remaining: 0 };
  const queue: SpoolEntry[] = await spool.pending();
  for (let i = 0; i < queue.length; i++) {
    const entry = queue[i]!;
    let body: Buffer;
    try {
      body = await spool.read(entry);
    } catch (err) {
      if (err instanceof CertdoctorError || isAbortError(err)) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") log("warn", "spooled report unreadable; skipped", { code: ErrorCode.ERR_SPOOL_UNAVAILABLE, sequence: entry.sequence, reason: code ?? "unreadable" });
      continue; // ENOENT: removed meanwhile
    }
    let outcome: DeliveryOutcome = { kind: "retry", reason: "not attempted" };
    for (let attempt = 0; attempt < policy.maxAttempts && signal?.aborted !== true; attempt++) {
      outcome = await postReport(target, body, spool.agentId, entry.sequence);
      if (outcome.kind !== "retry") break;
      if (attempt + 1 < policy.maxAttempts) {
        const delay = Math.min(policy.maxDelayMs, Math.max(backoffDelay(attempt, policy), outcome.retryAfterMs ?? 0));
        await sleep(delay);
      }
    }
    if (outcome.kind === "delivered") {
      await spool.remove(entry);
      result.delivered++;
      log("info", "report delivered", { sequence: entry.sequence, status: outcome.status });
    } else if (outcome.kind === "rejected") {
      await spool.reject(entry);
      result.rejected++;
      log("warn", "report rejected by the central side; kept in the spool's rejected/ folder", { code: ErrorCode.ERR_DELIVERY_REJECTED, sequence: entry.sequence, status: outcome.status });
    } else {
      result.remaining = queue.length - i;
      result.failure = outcome.reason;
      log("warn", "delivery failed; reports stay spooled", { code: ErrorCode.ERR_DELIVERY_FAILED, sequence: entry.sequence, reason: outcome.reason, pending: result.remaining });
      return result;
    }
  }
  return result;
}
