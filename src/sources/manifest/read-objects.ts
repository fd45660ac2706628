import { fileRef, formatRef } from "../../model/ref.js";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readKubeObject } from "../kube-object/read-object.js";

/** A manifest file: a `kubectl get -o yaml` dump or any YAML/JSON holding Kubernetes objects. */
export interface ManifestFile {
  path: string;
  symlink?: boolean;
}

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
  out.push(...readKubeObject(obj, { path: file.path, ...(file.symlink === undefined ? {} : { symlink: file.symlink }), facts: false }, ctx));
}
