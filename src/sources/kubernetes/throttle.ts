/** Client-side rate limiting and retry timing for the Kubernetes API source. Pure: clock and sleep are injectable. */

export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** A token bucket: `burst` requests at once, refilled at `qps` per second (client-go's default limiter shape). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: Sleep = sleep,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError("qps must be > 0 and burst >= 1");
    this.tokens = burst;
    this.last = now();
  }

  /** Waits until a request may be sent. */
  async take(signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < 1_000_000; i++) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      if (signal?.aborted) return;
      await this.wait(Math.ceil(((1 - this.tokens) / this.qps) * 1000), signal);
    }
  }
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Attempts in all (the first try included). */
  maxAttempts: number;
  /** Longest Retry-After honoured. */
  maxRetryAfterMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 250, capMs: 10_000, maxAttempts: 6, maxRetryAfterMs: 60_000 };

/** Exponential backoff with "equal jitter": half the exponential step, plus a random half. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(o.capMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Retry-After in seconds (the API server's form) or an HTTP date; undefined when absent or unusable. */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
