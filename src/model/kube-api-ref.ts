import { parseRef } from "./ref.js";

/** The RBAC attributes of one Kubernetes API request, as a `source-forbidden` finding names them. */
export interface KubeApiRequest {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

/**
 * Parses a `kube-api:` ref (`kube-api:/api/v1/namespaces/NS/secrets#list`,
 * `kube-api:/apis/GROUP/VERSION/RESOURCE#watch`) back into the request's RBAC attributes.
 */
export function parseKubeApiRef(ref: string): KubeApiRequest | undefined {
  const value = parseRef(ref);
  if (value?.kind !== "kube-api" || value.key === undefined || !/^[a-z]+$/.test(value.key)) return undefined;
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/#]+)$/.exec(value.location);
  if (!m) return undefined;
  return { group: m[1] ?? "", resource: m[3]!, verb: value.key, ...(m[2] ? { namespace: decodeURIComponent(m[2]) } : {}) };
}
