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
  const m = /^kube-api:\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/#]+)#([a-z]+)$/.exec(ref);
  if (!m) return undefined;
  return { group: m[1] ?? "", resource: m[3]!, verb: m[4]!, ...(m[2] ? { namespace: decodeURIComponent(m[2]) } : {}) };
}
