/**
 * An object from the API, as @kubernetes/client-node hands it over, into the one Kubernetes object reader
 * (kube-object/read-object.ts) that manifest files go through too: same refs, contexts, anchors and pairs,
 * so layouts and rules treat a live cluster and a `kubectl get -o yaml` dump alike, plus the public facts
 * rules need. The object (and its Secret payload) is not referenced by anything returned.
 */
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readKubeObject } from "../kube-object/read-object.js";
import type { KindSpec } from "./kinds.js";

const MAX_DEPTH = 64;

/**
 * The client deserializes into typed models with Date fields (and list items come without kind and
 * apiVersion): back to the JSON shape the API sent, with kind/apiVersion from what was listed.
 */
export function toJsonShape(value: unknown, depth = 0): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => toJsonShape(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonShape(v, depth + 1);
  return out;
}

/** Items and facts of one object as the API returned it (typed or plain). Never throws for bad data. */
export function objectToItems(raw: unknown, spec: KindSpec, ctx: ReadContext): Array<RawItem | ScanIssue> {
  const shaped = toJsonShape(raw);
  if (!isRecord(shaped)) return [];
  return readKubeObject({ ...shaped, apiVersion: spec.apiVersion, kind: spec.kind }, { facts: true }, ctx);
}
