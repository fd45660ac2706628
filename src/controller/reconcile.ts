/**
 * One decision round over pending kubelet-serving CSRs: each is judged by the policy chain against the
 * Nodes the approver knows; a CSR that passes every check is approved through the `/approval` subresource
 * (reason CertdoctorApproved, a message listing the checks) at exactly the resourceVersion that was
 * checked; a refusal leaves it pending (or denies it with `deny`) with one Warning Event per reason and a
 * log line naming the check; a CSR that cannot be decided yet, a conflict and an API failure come back as
 * `retry` for the caller's backoff. At most one CSR per node is approved in a round. Never approves on
 * error; in dry-run nothing is written.
 */
import type { CsrInfo } from "../model/cert.js";
import { parseCsr } from "../pki/csr.js";
import { scanPem } from "../pki/pem.js";
import type { KubeJson } from "./informer.js";
import { ApiWriteError, type ApproverApi } from "./kube-api.js";
import type { ApproverMetrics } from "./metrics.js";
import { evaluateCsr, KUBELET_SERVING_SIGNER, nodeNameOf, type ApprovalConfig, type CsrFacts, type NodeAddress, type NodeFacts } from "./policies.js";

export const APPROVED_REASON = "CertdoctorApproved";

export type Action = "approved" | "denied" | "pending" | "retry";

export interface Decision {
  csr: string;
  node?: string;
  action: Action;
  /** CamelCase: the policy reason, CertdoctorApproved, DuplicateRequest, or an API outcome (Conflict, ApiUnavailable, ApiForbidden, ApiRejected). */
  reason: string;
  message: string;
}

export interface ReconcilerOptions {
  config: ApprovalConfig;
  dryRun: boolean;
  deny: boolean;
  log: (line: string) => void;
  metrics?: ApproverMetrics;
  now: () => Date;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const MAX_REQUEST_CHARS = 512 * 1024;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string").slice(0, 1000) : [];
}

export function isKubeletServing(obj: KubeJson): boolean {
  return isRec(obj.spec) && obj.spec.signerName === KUBELET_SERVING_SIGNER;
}

/** No Approved, Denied or Failed condition yet. */
export function isPending(obj: KubeJson): boolean {
  const conditions = isRec(obj.status) && Array.isArray(obj.status.conditions) ? obj.status.conditions : [];
  return !conditions.some((c) => isRec(c) && ["Approved", "Denied", "Failed"].includes(String(c.type)) && c.status !== "False");
}

/** spec.request (base64 of PEM, or of DER) to the parsed request, or why it is not one. */
export function readRequest(value: unknown): CsrInfo | { error: string } {
  if (typeof value !== "string" || value === "") return { error: "spec.request is missing" };
  if (value.length > MAX_REQUEST_CHARS) return { error: "spec.request is too large" };
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) return { error: "spec.request is not base64" };
  const bytes = Buffer.from(value, "base64");
  try {
    const text = bytes.toString("latin1");
    if (!text.includes("-----BEGIN ")) return parseCsr(bytes);
    const blocks = scanPem(text, MAX_REQUEST_CHARS).blocks.filter((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
    if (blocks.length !== 1) return { error: `spec.request holds ${blocks.length} CERTIFICATE REQUEST blocks, not one` };
    return parseCsr(blocks[0]!.der);
  } catch (err) {
    return { error: err instanceof Error ? err.message : "unreadable" };
  }
}

export function csrFacts(obj: KubeJson): CsrFacts {
  const spec = isRec(obj.spec) ? obj.spec : {};
  const exp = spec.expirationSeconds;
  return {
    name: obj.metadata?.name ?? "",
    signerName: typeof spec.signerName === "string" ? spec.signerName : "",
    ...(typeof spec.username === "string" ? { username: spec.username } : {}),
    groups: strings(spec.groups),
    usages: strings(spec.usages),
    ...(typeof exp === "number" ? { expirationSeconds: exp } : {}),
    request: readRequest(spec.request),
  };
}

export function nodeFacts(obj: KubeJson): NodeFacts {
  const status = isRec(obj.status) ? obj.status : {};
  const addresses: NodeAddress[] = (Array.isArray(status.addresses) ? status.addresses : [])
    .slice(0, 256)
    .filter(isRec)
    .filter((a) => typeof a.type === "string" && typeof a.address === "string")
    .map((a) => ({ type: a.type as string, address: a.address as string }));
  return { name: obj.metadata?.name ?? "", addresses };
}

function createdAt(obj: KubeJson): string {
  return obj.metadata?.creationTimestamp ?? "";
}

export class Reconciler {
  /** CSR name -> `resourceVersion|reason` of the last refusal reported, so each gets one Event and one log line. */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly api: ApproverApi,
    private readonly options: ReconcilerOptions,
  ) {}

  /** Forget what was reported for a CSR that is gone. */
  forget(name: string): void {
    this.reported.delete(name);
  }

  /** Decides every pending kubelet-serving CSR among `csrs`, oldest first. */
  async round(csrs: Iterable<KubeJson>, nodes: ReadonlyMap<string, NodeFacts>): Promise<Decision[]> {
    const pending = [...csrs].filter((c) => isKubeletServing(c) && isPending(c)).sort((a, b) => createdAt(a).localeCompare(createdAt(b)) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    const approvedNodes = new Set<string>();
    const out: Decision[] = [];
    for (const obj of pending) {
      const d = await this.decideOne(obj, nodes, approvedNodes);
      this.options.metrics?.record(d.action, d.reason);
      out.push(d);
    }
    return out;
  }

  private async decideOne(obj: KubeJson, nodes: ReadonlyMap<string, NodeFacts>, approvedNodes: Set<string>): Promise<Decision> {
    const facts = csrFacts(obj);
    const name = facts.name;
    const node = nodeNameOf(facts);
    const base = { csr: name, ...(node ? { node } : {}) };
    const verdict = evaluateCsr({ csr: facts, nodes, config: this.options.config });
    const rv = obj.metadata?.resourceVersion ?? "";
    const uid = obj.metadata?.uid;
    const now = this.options.now();

    if (verdict.approved) {
      if (approvedNodes.has(node!)) {
        return this.refuse(obj, { ...base, action: "retry", reason: "DuplicateRequest", message: `another CSR from node ${node} was approved in this round; this one waits for the next round` }, false);
      }
      approvedNodes.add(node!);
      const message = `certdoctor checked: ${verdict.checked.join("; ")}`;
      if (this.options.dryRun) {
        this.options.log(`dry-run: would approve ${name} from node ${node}`);
        return { ...base, action: "approved", reason: APPROVED_REASON, message };
      }
      try {
        await this.api.decide(name, rv, uid, { type: "Approved", reason: APPROVED_REASON, message }, now);
      } catch (err) {
        approvedNodes.delete(node!);
        return this.apiFailure(base, "approving", err);
      }
      this.options.log(`approved ${name} from node ${node}`);
      await this.event(name, uid, "Normal", APPROVED_REASON, message);
      this.reported.delete(name);
      return { ...base, action: "approved", reason: APPROVED_REASON, message };
    }

    if (verdict.retry) return this.refuse(obj, { ...base, action: "retry", reason: verdict.reason, message: verdict.message }, true);
    if (!this.options.deny) return this.refuse(obj, { ...base, action: "pending", reason: verdict.reason, message: verdict.message }, true);
    if (this.options.dryRun) {
      this.options.log(`dry-run: would deny ${name}: ${verdict.reason}: ${verdict.message}`);
      return { ...base, action: "denied", reason: verdict.reason, message: verdict.message };
    }
    try {
      await this.api.decide(name, rv, uid, { type: "Denied", reason: verdict.reason, message: verdict.message }, now);
    } catch (err) {
      return this.apiFailure(base, "denying", err);
    }
    return this.refuse(obj, { ...base, action: "denied", reason: verdict.reason, message: verdict.message }, true);
  }

  /** Logs a refusal (and records its Event) once per CSR version and reason. */
  private async refuse(obj: KubeJson, d: Decision, withEvent: boolean): Promise<Decision> {
    const key = `${obj.metadata?.resourceVersion ?? ""}|${d.reason}`;
    if (this.reported.get(d.csr) === key) return d;
    this.reported.set(d.csr, key);
    const verb = d.action === "denied" ? "denied" : d.action === "retry" ? "cannot decide yet, will retry" : "left pending";
    this.options.log(`${this.options.dryRun && d.action === "denied" ? "dry-run: " : ""}${verb}: ${d.csr}${d.node ? ` from node ${d.node}` : ""}: ${d.reason}: ${d.message}`);
    if (withEvent && !this.options.dryRun) await this.event(d.csr, obj.metadata?.uid, "Warning", d.reason, `${d.action === "denied" ? "Denied" : "Not approved"} by certdoctor: ${d.message}`);
    return d;
  }

  private apiFailure(base: { csr: string; node?: string }, doing: string, err: unknown): Decision {
    const e = err instanceof ApiWriteError ? err : undefined;
    const reason = e?.failure === "conflict" ? "Conflict" : e?.failure === "forbidden" ? "ApiForbidden" : e?.failure === "rejected" || e?.failure === "not-found" ? "ApiRejected" : "ApiUnavailable";
    const message =
      reason === "Conflict"
        ? `the CSR changed while it was checked; it is checked again`
        : reason === "ApiForbidden"
          ? `the API server forbids ${doing} it (HTTP 403): the approver needs update on certificatesigningrequests/approval and approve on signers ${KUBELET_SERVING_SIGNER} (deploy/approver-rbac.yaml)`
          : `${doing} it failed (${e?.message ?? (err instanceof Error ? err.name : "error")}); retried with backoff`;
    this.options.log(`${doing} ${base.csr}: ${reason}: ${message}`);
    return { ...base, action: reason === "ApiRejected" ? "pending" : "retry", reason, message };
  }

  private async event(name: string, uid: string | undefined, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    try {
      await this.api.createEvent({ csrName: name, ...(uid ? { csrUid: uid } : {}), type, reason, message }, this.options.now());
    } catch (err) {
      // An Event is best effort: the decision stands, the log line says it all.
      this.options.log(`could not record an Event for ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
