/**
 * A location ref (`kind:location#key`) split into the parts the API returns beside it, so clients
 * filter and link without parsing the string. The ref itself stays the key everywhere.
 * TODO(refs, issue 8): replace the parsing here with model/ref.ts's parseRef once it lands.
 */
import type { RefParts } from "./types.js";

const NAMESPACED = new Set(["secret", "configmap"]);
const PATHED = new Set(["file", "kubeconfig"]);

export function refParts(ref: string, node?: string | null): RefParts {
  const colon = ref.indexOf(":");
  const kind = colon < 0 ? ref : ref.slice(0, colon);
  const rest = colon < 0 ? "" : ref.slice(colon + 1);
  const hash = rest.lastIndexOf("#");
  const location = hash < 0 ? rest : rest.slice(0, hash);
  const parts: RefParts = { ref, kind, location };
  if (hash >= 0) parts.key = rest.slice(hash + 1);
  if (NAMESPACED.has(kind)) {
    const slash = location.indexOf("/");
    if (slash > 0) {
      parts.namespace = location.slice(0, slash);
      parts.name = location.slice(slash + 1);
    } else parts.name = location;
  } else if (PATHED.has(kind)) {
    parts.path = location;
  } else if (kind === "process") {
    const m = /^[^:]*\[\d+\]:(\/.*)$/.exec(location);
    if (m) parts.path = m[1]!;
  } else if (kind === "endpoint") {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(location);
    if (m) {
      parts.host = m[1]!.replace(/^\[|\]$/g, "");
      parts.port = Number(m[2]);
    } else parts.host = location;
  } else if (location !== "") {
    const slash = location.indexOf("/");
    if (slash > 0 && kind.includes(".")) {
      parts.namespace = location.slice(0, slash);
      parts.name = location.slice(slash + 1);
    } else parts.name = location;
  }
  if (node) parts.node = node;
  return parts;
}

/** The namespace of a ref, when its kind has one. */
export function refNamespace(ref: string): string | undefined {
  return refParts(ref).namespace;
}
