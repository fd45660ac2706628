import { fileRef, formatRef, namedRef, withKey, type SourceRef } from "../../model/ref.js";
import { ErrorCode, describeError } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readMaterial } from "../material.js";
import { readKubeCsr } from "./read-kube-csr.js";
import { readConfigMap, readSecret, type ManifestFile } from "./read-secret.js";

type Out = Array<RawItem | ScanIssue>;

/** True when a parsed document is a Kubernetes object or list this reader understands. */
export function isKubernetesDocument(doc: unknown): boolean {
  return isRecord(doc) && (typeof doc.kind === "string" || typeof doc.apiVersion === "string" || Array.isArray(doc.items));
}

/**
 * Items from parsed manifest documents: Secrets, ConfigMaps, CertificateSigningRequests, webhook,
 * APIService and CRD caBundles, and any List (`items`). One malformed object becomes an issue and
 * never hides the others; at most maxManifestObjects objects are read.
 */
export function readManifestObjects(docs: unknown[], file: ManifestFile, ctx: ReadContext): Out {
  const out: Out = [];
  const budget = { left: ctx.limits.maxManifestObjects };
  for (const doc of docs) readObject(doc, file, ctx, out, budget, 0);
  if (budget.left < 0) {
    out.push({ code: ErrorCode.ERR_MANIFEST_INVALID, ref: formatRef(fileRef(file.path)), message: `more than ${ctx.limits.maxManifestObjects} objects; the rest were not read`, material: false });
  }
  return out;
}

function readObject(obj: unknown, file: ManifestFile, ctx: ReadContext, out: Out, budget: { left: number }, depth: number): void {
  if (budget.left-- <= 0 || !isRecord(obj)) return;
  if (Array.isArray(obj.items) && depth < 2) {
    for (const item of obj.items) {
      if (budget.left < 0) return;
      readObject(item, file, ctx, out, budget, depth + 1);
    }
    return;
  }
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : undefined;
  const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  if (!["Secret", "ConfigMap", "CertificateSigningRequest", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "CustomResourceDefinition"].includes(kind)) return;
  if (name === undefined) {
    out.push({ code: ErrorCode.ERR_MANIFEST_INVALID, ref: formatRef(fileRef(file.path)), message: `${kind} without metadata.name`, material: true });
    return;
  }
  try {
    switch (kind) {
      case "Secret":
        out.push(...readSecret(obj, ns, name, file, ctx));
        break;
      case "ConfigMap":
        out.push(...readConfigMap(obj, ns, name, file, ctx));
        break;
      case "CertificateSigningRequest":
        out.push(...readKubeCsr(obj, name, file, ctx));
        break;
      case "ValidatingWebhookConfiguration":
      case "MutatingWebhookConfiguration":
        readWebhooks(obj, name, file, ctx, out);
        break;
      case "APIService":
        readCaBundle(isRecord(obj.spec) ? obj.spec.caBundle : undefined, namedRef("apiservice", name, "spec.caBundle"), namedRef("apiservice", name), file, ctx, out);
        break;
      case "CustomResourceDefinition":
        readCrd(obj, name, file, ctx, out);
        break;
    }
  } catch (err) {
    // Readers return issues for bad data; this only guards against a bug losing the whole file.
    out.push({ code: ErrorCode.ERR_MANIFEST_INVALID, ref: formatRef(fileRef(file.path)), message: `${kind} ${name} could not be read: ${describeError(err)}`, material: true });
  }
}

function readWebhooks(obj: Record<string, unknown>, name: string, file: ManifestFile, ctx: ReadContext, out: Out): void {
  const hooks = Array.isArray(obj.webhooks) ? obj.webhooks : [];
  hooks.slice(0, 10_000).forEach((hook, i) => {
    const cc = isRecord(hook) && isRecord(hook.clientConfig) ? hook.clientConfig : {};
    readCaBundle(cc.caBundle, namedRef("webhook", name, `webhooks/${i}/clientConfig/caBundle`), namedRef("webhook", name, `webhooks/${i}`), file, ctx, out);
  });
}

function readCrd(obj: Record<string, unknown>, name: string, file: ManifestFile, ctx: ReadContext, out: Out): void {
  const conversion = isRecord(obj.spec) && isRecord(obj.spec.conversion) ? obj.spec.conversion : {};
  const webhook = isRecord(conversion.webhook) ? conversion.webhook : {};
  const v1 = isRecord(webhook.clientConfig) ? webhook.clientConfig.caBundle : undefined;
  const v1beta1 = isRecord(conversion.webhookClientConfig) ? conversion.webhookClientConfig.caBundle : undefined;
  const context = namedRef("crd", name);
  if (v1 !== undefined) readCaBundle(v1, withKey(context, "spec.conversion.webhook.clientConfig.caBundle"), context, file, ctx, out);
  else readCaBundle(v1beta1, withKey(context, "spec.conversion.webhookClientConfig.caBundle"), context, file, ctx, out);
}

function readCaBundle(value: unknown, at: SourceRef, context: SourceRef, file: ManifestFile, ctx: ReadContext, out: Out): void {
  if (typeof value !== "string" || value.trim() === "") return;
  const ref = formatRef(at);
  const bytes = decodeBase64Value(value);
  if (bytes === undefined) {
    out.push({ code: ErrorCode.ERR_BASE64_INVALID, ref, message: "caBundle is not valid base64", material: true });
    return;
  }
  const place = { ref: at, context: formatRef(context), path: file.path, anchor: true, ...(file.symlink === undefined ? {} : { symlink: file.symlink }) };
  const items = readMaterial(bytes, place, ctx);
  out.push(...(items.length > 0 ? items : [{ code: ErrorCode.ERR_PEM_INVALID, ref, message: "caBundle holds no certificate", material: true }]));
}
