/**
 * The approver's writes and point reads through @kubernetes/client-node: the CSR `/approval` subresource,
 * Events, Nodes by name and Leases. Every failure comes back classified (conflict, not found, forbidden,
 * transient, rejected) and without the response body; the caller decides what to retry. Lists and watches
 * go through the source's KubeClient (paging, QPS limit, retries).
 */
import { ApiException, CertificatesV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig, type V1CertificateSigningRequest, type V1Lease } from "@kubernetes/client-node";

export type WriteFailure = "conflict" | "not-found" | "forbidden" | "transient" | "rejected";

export class ApiWriteError extends Error {
  constructor(
    readonly failure: WriteFailure,
    readonly status: number | undefined,
    what: string,
  ) {
    super(`${what} failed: ${failure}${status === undefined ? "" : ` (HTTP ${status})`}`);
    this.name = "ApiWriteError";
  }
}

function classifyWrite(err: unknown, what: string): ApiWriteError {
  if (err instanceof ApiWriteError) return err;
  if (err instanceof ApiException) {
    const c = err.code;
    const failure: WriteFailure = c === 409 ? "conflict" : c === 404 ? "not-found" : c === 403 ? "forbidden" : c === 429 || c >= 500 ? "transient" : "rejected";
    return new ApiWriteError(failure, c, what);
  }
  // connection-level: refused, reset, timed out
  return new ApiWriteError("transient", undefined, what);
}

export interface ApprovalCondition {
  type: "Approved" | "Denied";
  reason: string;
  message: string;
}

export interface EventSpec {
  csrName: string;
  csrUid?: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** What the reconciler and leader election need from the API. */
export interface ApproverApi {
  /**
   * Adds an Approved or Denied condition to CSR `name`, only if the CSR is still at `resourceVersion`
   * (what was checked is what gets approved) and still undecided; throws ApiWriteError("conflict") otherwise.
   */
  decide(name: string, resourceVersion: string, uid: string | undefined, condition: ApprovalCondition, now: Date): Promise<void>;
  createEvent(e: EventSpec, now: Date): Promise<void>;
  readLease(namespace: string, name: string): Promise<V1Lease | undefined>;
  createLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
  replaceLease(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
}

/** Events for cluster-scoped objects go to the default namespace, as kubectl and the controllers do. */
export const EVENT_NAMESPACE = "default";
export const COMPONENT = "certdoctor-approver";

export class KubeApproverApi implements ApproverApi {
  private readonly certs: CertificatesV1Api;
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;

  constructor(kc: KubeConfig) {
    this.certs = kc.makeApiClient(CertificatesV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.leases = kc.makeApiClient(CoordinationV1Api);
  }

  async decide(name: string, resourceVersion: string, uid: string | undefined, condition: ApprovalCondition, now: Date): Promise<void> {
    const what = `${condition.type === "Approved" ? "approving" : "denying"} CSR ${name}`;
    try {
      const current: V1CertificateSigningRequest = await this.certs.readCertificateSigningRequest({ name });
      if (current.metadata?.resourceVersion !== resourceVersion || (uid !== undefined && current.metadata?.uid !== uid)) throw new ApiWriteError("conflict", undefined, what);
      const conditions = current.status?.conditions ?? [];
      if (conditions.some((c) => ["Approved", "Denied", "Failed"].includes(c.type) && c.status !== "False")) throw new ApiWriteError("conflict", undefined, what);
      const body: V1CertificateSigningRequest = {
        ...current,
        status: { ...current.status, conditions: [...conditions, { type: condition.type, status: "True", reason: condition.reason, message: condition.message, lastUpdateTime: now, lastTransitionTime: now }] },
      };
      await this.certs.replaceCertificateSigningRequestApproval({ name, body });
    } catch (err) {
      throw classifyWrite(err, what);
    }
  }

  async createEvent(e: EventSpec, now: Date): Promise<void> {
    try {
      await this.core.createNamespacedEvent({
        namespace: EVENT_NAMESPACE,
        body: {
          metadata: { generateName: `${e.csrName}.`, namespace: EVENT_NAMESPACE },
          involvedObject: { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", name: e.csrName, ...(e.csrUid ? { uid: e.csrUid } : {}) },
          type: e.type,
          reason: e.reason,
          // Event messages are capped at 1 KiB by the API
          message: e.message.length > 1024 ? `${e.message.slice(0, 1021)}...` : e.message,
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      throw classifyWrite(err, `recording an Event for CSR ${e.csrName}`);
    }
  }

  async readLease(namespace: string, name: string): Promise<V1Lease | undefined> {
    try {
      return await this.leases.readNamespacedLease({ namespace, name });
    } catch (err) {
      const e = classifyWrite(err, `reading Lease ${namespace}/${name}`);
      if (e.failure === "not-found") return undefined;
      throw e;
    }
  }

  async createLease(namespace: string, lease: V1Lease): Promise<V1Lease> {
    try {
      return await this.leases.createNamespacedLease({ namespace, body: lease });
    } catch (err) {
      throw classifyWrite(err, `creating Lease ${namespace}/${lease.metadata?.name ?? ""}`);
    }
  }

  async replaceLease(namespace: string, name: string, lease: V1Lease): Promise<V1Lease> {
    try {
      return await this.leases.replaceNamespacedLease({ namespace, name, body: lease });
    } catch (err) {
      throw classifyWrite(err, `renewing Lease ${namespace}/${name}`);
    }
  }
}
