/**
 * The Kubernetes objects `backup --kube` keeps: every Secret and ConfigMap that holds a certificate or a
 * private key, and every webhook configuration, APIService and CRD that carries a caBundle — stripped to
 * what re-applying needs (no status, uid, resourceVersion, managedFields or last-applied annotation).
 * Listing goes through sources/kubernetes' client, the one module that talks to the API.
 */
import type { KindSpec } from "../sources/kubernetes/kinds.js";
import { decodeBase64 } from "../pki/base64.js";
import { looksLikeDerCertificate } from "../pki/x509.js";

/** What listing needs: a page of raw objects (KubeClient.listPage). */
export interface ObjectLister {
  listPage(spec: KindSpec, namespace: string | undefined, limit: number, continueToken: string | undefined): Promise<{ items: unknown[]; continueToken?: string }>;
}

export interface BackedUpObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The stripped object, as JSON: what restore writes for `kubectl apply --server-side`. */
  body: Buffer;
}

/** Kinds read, by KINDS' `kind`; namespaced ones are read per namespace when namespaces are given. */
export const BACKUP_KINDS = ["Secret", "ConfigMap", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "CustomResourceDefinition"] as const;
const PAGE = 500;
const MAX_OBJECTS = 20_000;

export async function collectObjects(client: ObjectLister, kinds: readonly KindSpec[], namespaces: readonly string[] | undefined): Promise<BackedUpObject[]> {
  const out: BackedUpObject[] = [];
  for (const spec of kinds) {
    const scopes = spec.namespaced && namespaces !== undefined && namespaces.length > 0 ? [...namespaces] : [undefined];
    if (!spec.namespaced && namespaces !== undefined && namespaces.length > 0) continue;
    for (const ns of scopes) {
      let token: string | undefined;
      do {
        const page = await client.listPage(spec, ns, PAGE, token);
        for (const item of page.items) {
          const obj = item as Record<string, unknown>;
          if (!holdsCertificates(spec.kind, obj)) continue;
          const stripped = strip(spec, obj);
          const meta = stripped.metadata as { name: string; namespace?: string };
          out.push({ apiVersion: spec.apiVersion, kind: spec.kind, ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }), name: meta.name, body: Buffer.from(JSON.stringify(stripped), "utf8") });
          if (out.length > MAX_OBJECTS) throw new Error(`more than ${MAX_OBJECTS} certificate-bearing objects`);
        }
        token = page.continueToken;
      } while (token !== undefined);
    }
  }
  return out;
}

function holdsCertificates(kind: string, obj: Record<string, unknown>): boolean {
  if (kind === "Secret") {
    const data = (obj.data ?? {}) as Record<string, unknown>;
    return obj.type === "kubernetes.io/tls" || Object.values(data).some((v) => typeof v === "string" && isCertBytes(decodeBase64(v)));
  }
  if (kind === "ConfigMap") {
    const data = (obj.data ?? {}) as Record<string, unknown>;
    const binary = (obj.binaryData ?? {}) as Record<string, unknown>;
    return Object.values(data).some((v) => typeof v === "string" && /-----BEGIN (?:CERTIFICATE|[A-Z ]*PRIVATE KEY)-----/.test(v)) || Object.values(binary).some((v) => typeof v === "string" && isCertBytes(decodeBase64(v)));
  }
  return JSON.stringify(obj).includes('"caBundle":"');
}

function isCertBytes(bytes: Buffer | undefined): boolean {
  if (bytes === undefined || bytes.length === 0) return false;
  if (looksLikeDerCertificate(bytes)) return true;
  return /-----BEGIN (?:CERTIFICATE|[A-Z ]*PRIVATE KEY)-----/.test(bytes.toString("latin1"));
}

const DROP_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);

function strip(spec: KindSpec, obj: Record<string, unknown>): Record<string, unknown> {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const annotations = Object.fromEntries(Object.entries((meta.annotations ?? {}) as Record<string, string>).filter(([k]) => !DROP_ANNOTATIONS.has(k)));
  const metadata: Record<string, unknown> = { name: meta.name };
  if (typeof meta.namespace === "string") metadata.namespace = meta.namespace;
  if (meta.labels !== undefined) metadata.labels = meta.labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const { status: _status, metadata: _m, ...rest } = obj;
  return { ...rest, apiVersion: spec.apiVersion, kind: spec.kind, metadata };
}
