import { formatRef, namedRef, withKey } from "../../model/ref.js";
import { CertdoctorError, ErrorCode, describeError } from "../../errors.js";
import type { CsrInfo } from "../../model/cert.js";
import type { KubeCsrCondition, KubeCsrItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { parseCsr } from "../../pki/csr.js";
import { scanPem } from "../../pki/pem.js";
import { decodeBase64Value } from "../base64.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readMaterial } from "../material.js";
import type { ObjectOrigin } from "./origin.js";

type Out = Array<RawItem | ScanIssue>;

/**
 * A `certificates.k8s.io` CertificateSigningRequest: one KubeCsrItem (ref and context `csr:NAME`), even
 * when its request is garbage (then an ERR_CSR_INVALID issue comes too), plus status.certificate
 * certificates as `csr:NAME#status.certificate` (`/N` for several).
 */
export function readKubeCsr(obj: Record<string, unknown>, name: string, origin: ObjectOrigin, ctx: ReadContext): Out {
  const out: Out = [];
  const csr = namedRef("csr", name);
  const id = formatRef(csr);
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const status = isRecord(obj.status) ? obj.status : {};
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const item: KubeCsrItem = {
    type: "kube-csr",
    ref: id,
    context: id,
    ...(origin.path === undefined ? {} : { path: origin.path }),
    name,
    signerName: typeof spec.signerName === "string" ? spec.signerName : "",
    usages: stringList(spec.usages),
    groups: stringList(spec.groups),
    conditions: readConditions(status.conditions),
    issued: typeof status.certificate === "string" && status.certificate.trim() !== "",
  };
  if (origin.path !== undefined && origin.symlink !== undefined) item.symlink = origin.symlink;
  if (typeof spec.username === "string") item.username = spec.username;
  if (typeof spec.expirationSeconds === "number" && Number.isFinite(spec.expirationSeconds)) item.expirationSeconds = spec.expirationSeconds;
  const created = typeof meta.creationTimestamp === "string" ? Date.parse(meta.creationTimestamp) : NaN;
  if (!Number.isNaN(created)) item.createdAt = created;
  if (typeof spec.request === "string") {
    const request = readRequest(spec.request, ctx);
    if (request instanceof CertdoctorError) out.push({ code: request.code, ref: id, message: `spec.request: ${describeError(request)}`, material: true });
    else item.request = request;
  } else {
    out.push({ code: ErrorCode.ERR_CSR_INVALID, ref: id, message: "spec.request is missing", material: true });
  }
  out.push(item);
  if (item.issued) {
    const at = withKey(csr, "status.certificate");
    const ref = formatRef(at);
    const bytes = decodeBase64Value(status.certificate as string);
    if (bytes === undefined) {
      out.push({ code: ErrorCode.ERR_BASE64_INVALID, ref, message: "status.certificate is not valid base64", material: true });
    } else {
      const place = { ref: at, context: id, ...(origin.path === undefined ? {} : { path: origin.path }) };
      out.push(...readMaterial(bytes, place, ctx));
    }
  }
  return out;
}

function readRequest(value: string, ctx: ReadContext): CsrInfo | CertdoctorError {
  const bytes = decodeBase64Value(value);
  if (bytes === undefined) return new CertdoctorError(ErrorCode.ERR_CSR_INVALID, "not valid base64");
  try {
    const text = Buffer.from(bytes).toString("latin1");
    if (!text.includes("-----BEGIN ")) return parseCsr(bytes);
    const { blocks } = scanPem(text, ctx.limits.maxPemBlockBytes);
    const block = blocks.find((b) => b.label.endsWith("CERTIFICATE REQUEST"));
    if (block === undefined) return new CertdoctorError(ErrorCode.ERR_CSR_INVALID, "no readable CERTIFICATE REQUEST PEM block");
    return parseCsr(block.der);
  } catch (err) {
    return err instanceof CertdoctorError ? err : new CertdoctorError(ErrorCode.ERR_CSR_INVALID, "request could not be parsed", { cause: err });
  }
}

function readConditions(value: unknown): KubeCsrCondition[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).slice(0, 100).map((c) => {
    const cond: KubeCsrCondition = { type: String(c.type ?? ""), status: String(c.status ?? "") };
    if (typeof c.reason === "string") cond.reason = c.reason;
    if (typeof c.message === "string") cond.message = c.message;
    const t = typeof c.lastUpdateTime === "string" ? Date.parse(c.lastUpdateTime) : NaN;
    if (!Number.isNaN(t)) cond.lastUpdateTime = t;
    return cond;
  });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").slice(0, 1000) : [];
}
