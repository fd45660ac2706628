/**
 * A location ref (`kind:location#key`) split into the parts the API returns beside it (model/ref.ts's
 * parseRef), so clients filter and link without parsing the string. The ref string stays the key
 * everywhere in the store.
 */
import { parseRef } from "../model/ref.js";
import type { RefParts } from "./types.js";

const PATH_KINDS = new Set(["file", "kubeconfig", "process", "dir"]);

export function refParts(ref: string, node?: string | null): RefParts {
  const r = parseRef(ref);
  if (r === undefined) return { ref, kind: "", location: ref, ...(node ? { node } : {}) };
  const parts: RefParts = { ref, kind: r.kind, location: r.location };
  if (r.key !== undefined) parts.key = r.key;
  if (r.namespace !== undefined) parts.namespace = r.namespace;
  if (r.name !== undefined) parts.name = r.name;
  else if (!PATH_KINDS.has(r.kind) && r.kind !== "endpoint" && r.location !== "" && r.node === undefined) parts.name = r.location;
  if (PATH_KINDS.has(r.kind)) parts.path = r.location;
  if (r.kind === "endpoint") {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(r.location);
    if (m) {
      parts.host = m[1]!.replace(/^\[|\]$/g, "");
      parts.port = Number(m[2]);
    } else parts.host = r.location;
  }
  const n = node || r.node;
  if (n) parts.node = n;
  return parts;
}

/** The namespace of a ref, when its kind has one. */
export function refNamespace(ref: string): string | undefined {
  return parseRef(ref)?.namespace;
}
