/**
 * Write semantics of the test API server, as kube-apiserver's registry strategies and admission give them:
 * create (409 AlreadyExists, generateName, a CSR's spec.username/groups set from the requester and its
 * status cleared), update (name must match the URL, 404 for a missing object, 409 Conflict on a stale
 * metadata.resourceVersion, a CSR's spec immutable and its status untouched by the main resource), the CSR
 * `/approval` subresource (only conditions change; Approved and Denied are exclusive, status True, never
 * removed; the CertificateApproval admission check `approve` on `signers/SIGNER`), `/status`, and
 * SubjectAccessReview answered from the RBAC policy. Test-only code.
 */
import type { RequestAttributes } from "./rbac.js";
import { apiVersionOf, type ResourceDef } from "./resources.js";
import type { KubeObject, ObjectStore } from "./store.js";

export interface WriteRequest {
  def: ResourceDef;
  method: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  body: Record<string, unknown>;
  user: string;
  groups: string[];
  /** Wall clock for defaulted condition times (injected by tests that pin it). */
  now: Date;
  /** PATCH: the Content-Type (only server-side apply, application/apply-patch+yaml, is served) and ?fieldManager. */
  contentType?: string;
  fieldManager?: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

type Authorize = (a: RequestAttributes) => boolean;
type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const CSR = "certificatesigningrequests";

export function statusObject(code: number, reason: string, message: string, details?: Rec): Rec {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: code < 300 ? "Success" : "Failure", message, reason, code, ...(details ? { details } : {}) };
}

function qualified(def: ResourceDef): string {
  return def.group === "" ? def.resource : `${def.resource}.${def.group}`;
}

function conflict(def: ResourceDef, name: string): Reply {
  return { status: 409, body: statusObject(409, "Conflict", `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: def.group, kind: def.resource }) };
}

function invalid(def: ResourceDef, name: string, field: string, why: string): Reply {
  return { status: 422, body: statusObject(422, "Invalid", `${def.kind} "${name}" is invalid: ${field}: ${why}`, { name, group: def.group, kind: def.kind, causes: [{ reason: "FieldValueInvalid", field, message: why }] }) };
}

function notFound(def: ResourceDef, name: string): Reply {
  return { status: 404, body: statusObject(404, "NotFound", `${qualified(def)} "${name}" not found`, { name, group: def.group, kind: def.resource }) };
}

/** One write (POST, PUT, DELETE) after the request itself was authorized. */
export function handleWrite(store: ObjectStore, w: WriteRequest, authorize: Authorize): Reply {
  if (w.def.resource === "subjectaccessreviews") return subjectAccessReview(w, authorize);
  if (w.method === "POST" && w.name === undefined && w.subresource === undefined) return create(store, w);
  if (w.method === "PUT" && w.name !== undefined) {
    const current = store.get(w.def, w.namespace, w.name);
    if (!current) return notFound(w.def, w.name);
    const meta = isRec(w.body.metadata) ? w.body.metadata : {};
    if (meta.name !== undefined && meta.name !== w.name) return { status: 400, body: statusObject(400, "BadRequest", `the name of the object (${String(meta.name)}) does not match the name on the URL (${w.name})`) };
    if (typeof meta.resourceVersion === "string" && meta.resourceVersion !== "" && meta.resourceVersion !== current.metadata.resourceVersion) return conflict(w.def, w.name);
    if (w.subresource === "approval" && w.def.resource === CSR) return approve(store, current, w, authorize);
    if (w.subresource === "status") return updateStatus(store, current, w);
    if (w.subresource !== undefined) return { status: 404, body: statusObject(404, "NotFound", "the server could not find the requested resource") };
    return update(store, current, w);
  }
  if (w.method === "PATCH" && w.name !== undefined && w.subresource === undefined) return apply(store, w);
  if (w.method === "DELETE" && w.name !== undefined && w.subresource === undefined) {
    const gone = store.delete(apiVersionOf(w.def), w.def.kind, w.namespace, w.name);
    return gone ? { status: 200, body: statusObject(200, "", "deleted") } : notFound(w.def, w.name);
  }
  return { status: 405, body: statusObject(405, "MethodNotAllowed", "method not allowed") };
}

let generated = 0;

function create(store: ObjectStore, w: WriteRequest): Reply {
  const meta = { ...(isRec(w.body.metadata) ? w.body.metadata : {}) };
  if (typeof meta.name !== "string" || meta.name === "") {
    if (typeof meta.generateName !== "string" || meta.generateName === "") return invalid(w.def, "", "metadata.name", "name or generateName is required");
    meta.name = `${meta.generateName}${(++generated).toString(36).padStart(5, "x")}`;
  }
  const name = meta.name as string;
  delete meta.resourceVersion;
  delete meta.uid;
  if (w.def.namespaced) meta.namespace = w.namespace ?? "default";
  if (store.get(w.def, w.namespace ?? "default", name)) {
    return { status: 409, body: statusObject(409, "AlreadyExists", `${qualified(w.def)} "${name}" already exists`, { name, group: w.def.group, kind: w.def.resource }) };
  }
  let obj: Rec = { ...w.body, apiVersion: apiVersionOf(w.def), kind: w.def.kind, metadata: meta };
  if (w.def.resource === CSR) {
    // The registry strategy: who asked is the authenticated user, not what the body claims; status starts empty.
    const spec = isRec(w.body.spec) ? w.body.spec : {};
    if (typeof spec.request !== "string" || spec.request === "") return invalid(w.def, name, "spec.request", "Required value");
    if (typeof spec.signerName !== "string" || spec.signerName === "") return invalid(w.def, name, "spec.signerName", "Required value");
    if (!Array.isArray(spec.usages) || spec.usages.length === 0) return invalid(w.def, name, "spec.usages", "Required value");
    const { uid: _u, extra: _e, ...rest } = spec;
    obj = { ...obj, spec: { ...rest, username: w.user, groups: w.groups }, status: {} };
  }
  return { status: 201, body: store.put(obj) };
}

/**
 * Server-side apply, simplified to one manager owning what it sends: the object is created when absent; else
 * the fields in the body replace the current ones (data, spec, webhooks, labels and annotations), the rest of
 * the current object stays. Only application/apply-patch+yaml with a fieldManager, as the API server requires.
 */
function apply(store: ObjectStore, w: WriteRequest): Reply {
  if (!(w.contentType ?? "").startsWith("application/apply-patch+yaml")) return { status: 415, body: statusObject(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`) };
  if (w.fieldManager === undefined || w.fieldManager === "") return { status: 400, body: statusObject(400, "BadRequest", "PATCH /apply requires fieldManager to be set") };
  const meta = isRec(w.body.metadata) ? w.body.metadata : {};
  if (meta.name !== w.name) return { status: 400, body: statusObject(400, "BadRequest", `the name of the object (${String(meta.name)}) does not match the name on the URL (${w.name})`) };
  const name = w.name!;
  const current = store.get(w.def, w.namespace, name);
  const { metadata: _m, status: _s, ...fields } = w.body;
  const base: Rec = current ? { ...current } : { apiVersion: apiVersionOf(w.def), kind: w.def.kind };
  const currentMeta: Rec = current ? { ...current.metadata } : {};
  for (const k of ["labels", "annotations"] as const) if (isRec(meta[k])) currentMeta[k] = { ...(isRec(currentMeta[k]) ? currentMeta[k] : {}), ...meta[k] };
  const obj: Rec = { ...base, ...fields, apiVersion: apiVersionOf(w.def), kind: w.def.kind, metadata: { ...currentMeta, name, ...(w.def.namespaced ? { namespace: w.namespace } : {}) } };
  return { status: current ? 200 : 201, body: store.put(obj) };
}

function update(store: ObjectStore, current: KubeObject, w: WriteRequest): Reply {
  const meta = isRec(w.body.metadata) ? w.body.metadata : {};
  let obj: Rec = { ...w.body, metadata: { ...meta, name: w.name, ...(w.def.namespaced ? { namespace: w.namespace } : {}) } };
  // With a status subresource the main resource cannot change status; a CSR's spec is immutable.
  if (w.def.subresources?.includes("status")) obj = { ...obj, status: current.status };
  if (w.def.resource === CSR) obj = { ...obj, spec: current.spec };
  return { status: 200, body: store.put(obj) };
}

function conditionsOf(obj: Rec): Rec[] {
  const status = isRec(obj.status) ? obj.status : {};
  return Array.isArray(status.conditions) ? status.conditions.filter(isRec) : [];
}

const APPROVAL_TYPES = ["Approved", "Denied"];

function approve(store: ObjectStore, current: KubeObject, w: WriteRequest, authorize: Authorize): Reply {
  const name = w.name!;
  const now = w.now.toISOString();
  const old = conditionsOf(current);
  const next: Rec[] = conditionsOf(w.body).map((c) => ({ ...c, lastUpdateTime: c.lastUpdateTime ?? now, lastTransitionTime: c.lastTransitionTime ?? now }));
  const seen = new Set<string>();
  for (const [i, c] of next.entries()) {
    const field = `status.conditions[${i}]`;
    if (typeof c.type !== "string" || c.type === "") return invalid(w.def, name, `${field}.type`, "Required value");
    if (!["True", "False", "Unknown"].includes(String(c.status))) return invalid(w.def, name, `${field}.status`, `Unsupported value: "${String(c.status)}"`);
    if (APPROVAL_TYPES.includes(c.type) && c.status !== "True") return invalid(w.def, name, `${field}.status`, `Unsupported value: "${String(c.status)}": supported values: "True"`);
    if (["Approved", "Denied", "Failed"].includes(c.type) && seen.has(c.type)) return invalid(w.def, name, `${field}.type`, `Duplicate value: "${c.type}"`);
    seen.add(c.type);
  }
  if (seen.has("Approved") && seen.has("Denied")) return invalid(w.def, name, "status.conditions", "Approved and Denied conditions are mutually exclusive");
  for (const t of APPROVAL_TYPES) {
    if (old.some((c) => c.type === t) && !seen.has(t)) return invalid(w.def, name, "status.conditions", `updates may not remove a condition of type "${t}"`);
  }
  const adds = APPROVAL_TYPES.some((t) => seen.has(t) && !old.some((c) => c.type === t));
  const signer = String((isRec(current.spec) ? current.spec : {}).signerName ?? "");
  if (adds && !authorize({ user: w.user, groups: w.groups, verb: "approve", group: "certificates.k8s.io", resource: "signers", name: signer })) {
    return { status: 403, body: statusObject(403, "Forbidden", `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to approve requests with signerName "${signer}"`, { name, group: "certificates.k8s.io", kind: CSR }) };
  }
  const status = isRec(current.status) ? current.status : {};
  return { status: 200, body: store.put({ ...current, status: { ...status, conditions: next } }) };
}

function updateStatus(store: ObjectStore, current: KubeObject, w: WriteRequest): Reply {
  const status = isRec(w.body.status) ? { ...w.body.status } : {};
  if (w.def.resource === CSR) {
    // Approval conditions change only through /approval; a certificate only goes on an approved request.
    const approval = conditionsOf(current).filter((c) => APPROVAL_TYPES.includes(String(c.type)));
    status.conditions = [...approval, ...(Array.isArray(status.conditions) ? status.conditions.filter((c) => isRec(c) && !APPROVAL_TYPES.includes(String(c.type))) : [])];
    if (typeof status.certificate === "string" && status.certificate !== "" && !approval.some((c) => c.type === "Approved")) return invalid(w.def, w.name!, "status.certificate", "certificate can only be set on an approved request");
  }
  return { status: 200, body: store.put({ ...current, status }) };
}

function subjectAccessReview(w: WriteRequest, authorize: Authorize): Reply {
  if (w.method !== "POST") return { status: 405, body: statusObject(405, "MethodNotAllowed", "method not allowed") };
  const spec = isRec(w.body.spec) ? w.body.spec : {};
  const ra = isRec(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  if (typeof spec.user !== "string" && !Array.isArray(spec.groups)) return invalid(w.def, "", "spec.user", "at least one of user or group must be specified");
  if (ra === undefined) return invalid(w.def, "", "spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified");
  const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === "string") : [];
  const allowed = authorize({
    user: str(spec.user),
    groups,
    verb: str(ra.verb),
    group: str(ra.group),
    resource: str(ra.resource),
    ...(str(ra.subresource) ? { subresource: str(ra.subresource) } : {}),
    ...(str(ra.namespace) ? { namespace: str(ra.namespace) } : {}),
    ...(str(ra.name) ? { name: str(ra.name) } : {}),
  });
  return { status: 201, body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {}, spec, status: { allowed, ...(allowed ? { reason: "allowed by the test RBAC policy" } : {}) } } };
}
