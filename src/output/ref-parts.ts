/** Kind, file path and namespace of a ref. Stand-in until the typed ref module lands in model/. */
export function parseRef(ref: string): { kind: string; path?: string; namespace?: string } {
  const colon = ref.indexOf(":");
  const kind = colon < 0 ? "" : ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (kind === "file" || kind === "kubeconfig") {
    const hash = rest.indexOf("#");
    return { kind, path: hash < 0 ? rest : rest.slice(0, hash) };
  }
  const m = /^(?:secret|configmap)$/.test(kind) ? /^([^/#]+)\//.exec(rest) : null;
  return m ? { kind, namespace: m[1]! } : { kind };
}
