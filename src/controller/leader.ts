/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it (client-node
 * 1.4 has no helper): acquire when the Lease is absent, ours, or not renewed for leaseDuration *as observed
 * locally* (no trust in other clocks); renew every retryPeriod; a 409 Conflict on create or update means
 * someone else won. Leadership is lost when a renewal has not succeeded within renewDeadline: the work's
 * signal aborts before another replica can acquire (renewDeadline < leaseDuration). On shutdown the Lease
 * is released (holder cleared) so a successor need not wait.
 */
import type { V1Lease } from "@kubernetes/client-node";
import { sleep as realSleep, type Sleep } from "../sources/kubernetes/throttle.js";
import { ApiWriteError, type ApproverApi } from "./kube-api.js";

/** What leader election needs from the API: the Lease reads and writes (the approver's and serve's). */
export type LeaseApi = Pick<ApproverApi, "readLease" | "createLease" | "replaceLease">;

/** Which Lease, who we are, and the timings (client-go's names). */
export interface LeaseSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderOptions extends LeaseSettings {
  log: (line: string) => void;
  /** What stops when the Lease is lost, for the log ("approving", "scanning"). */
  work?: string;
  now?: () => number;
  sleep?: Sleep;
}

export const DEFAULT_LEADER_TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export class LeaderElector {
  private observed = "";
  private observedAt = 0;
  private lease?: V1Lease;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  isLeader = false;

  constructor(
    private readonly api: LeaseApi,
    private readonly o: LeaderOptions,
  ) {
    if (!(o.renewDeadlineMs < o.leaseDurationMs) || !(o.retryPeriodMs < o.renewDeadlineMs)) throw new RangeError("leader election needs retryPeriod < renewDeadline < leaseDuration");
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? realSleep;
  }

  /**
   * Until `signal` aborts: wait for leadership, run `work` with a signal that aborts when leadership is
   * lost, and start over. Resolves after the Lease is released.
   */
  async run(signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await this.sleep(this.o.retryPeriodMs, signal);
        continue;
      }
      this.o.log(`leader election: ${this.o.identity} holds Lease ${this.o.namespace}/${this.o.name}`);
      const leading = new AbortController();
      const stopOnShutdown = () => leading.abort();
      signal.addEventListener("abort", stopOnShutdown, { once: true });
      const running = work(leading.signal).catch((err: unknown) => {
        this.o.log(`${this.o.work ?? "approving"} stopped: ${err instanceof Error ? err.message : String(err)}`);
      }).finally(() => leading.abort());
      await this.renewLoop(leading.signal);
      leading.abort();
      signal.removeEventListener("abort", stopOnShutdown);
      await running;
      this.isLeader = false;
      if (!signal.aborted) this.o.log(`leader election: lost Lease ${this.o.namespace}/${this.o.name}; ${this.o.work ?? "approving"} stopped until it is acquired again`);
    }
    await this.release();
  }

  private async renewLoop(leading: AbortSignal): Promise<void> {
    let lastRenew = this.now();
    while (!leading.aborted) {
      await this.sleep(this.o.retryPeriodMs, leading);
      if (leading.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.now();
        continue;
      }
      // a conflict (someone else holds it) ends leadership at once; other failures after renewDeadline
      if (!this.isLeader || this.now() - lastRenew >= this.o.renewDeadlineMs) return;
    }
  }

  /** One attempt; true when we hold the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date(this.now());
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    try {
      const current = await this.api.readLease(this.o.namespace, this.o.name);
      if (current === undefined) {
        this.lease = await this.api.createLease(this.o.namespace, {
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { holderIdentity: this.o.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
        this.isLeader = true;
        return true;
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const record = `${holder}|${spec.renewTime instanceof Date ? spec.renewTime.toISOString() : String(spec.renewTime ?? "")}|${current.metadata?.resourceVersion ?? ""}`;
      if (record !== this.observed) {
        this.observed = record;
        this.observedAt = this.now();
      }
      const theirDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder !== "" && holder !== this.o.identity && this.observedAt + theirDurationMs > this.now()) {
        this.isLeader = false;
        return false;
      }
      const ours = holder === this.o.identity;
      this.lease = await this.api.replaceLease(this.o.namespace, this.o.name, {
        ...current,
        spec: {
          ...spec,
          holderIdentity: this.o.identity,
          leaseDurationSeconds: durationSeconds,
          renewTime: now,
          ...(ours ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
        },
      });
      this.isLeader = true;
      return true;
    } catch (err) {
      if (err instanceof ApiWriteError && err.failure === "conflict") {
        this.isLeader = false;
        return false;
      }
      this.o.log(`leader election: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private async release(): Promise<void> {
    if (this.lease === undefined) return;
    try {
      const current = await this.api.readLease(this.o.namespace, this.o.name);
      if (current?.spec?.holderIdentity !== this.o.identity) return;
      await this.api.replaceLease(this.o.namespace, this.o.name, { ...current, spec: { ...current.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: new Date(this.now()) } });
    } catch {
      // best effort: the Lease expires on its own
    }
  }
}
