/**
 * Objects from the API to the same items the manifest reader produces (same refs, contexts, anchors and
 * pairs, so layouts and rules treat a live cluster and a `kubectl get -o yaml` dump alike), plus the
 * public facts rules need (webhook services, Node addresses, cert-manager objects). The object (and its
 * Secret payload) is not referenced by anything returned.
 */
import type { KubeObjectItem, RawItem } from "../../model/items.js";
import { fileRef, formatRef, makeRef, namedRef, objectRef as namespacedRef, type SourceRef } from "../../model/ref.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readManifestObjects } from "../manifest/read-objects.js";
import type { KindSpec } from "./kinds.js";

/** Stand-in file path handed to the manifest reader; replaced by the object's own ref. */
const NO_FILE = "\u0000kube-api";
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

export function objectRef(spec: KindSpec, obj: Record<string, unknown>): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === "string" ? meta.name : "?";
  const ns = typeof meta.namespace === "string" ? meta.namespace : "";
  return formatRef(objectRefValue(spec, ns, name));
}

function objectRefValue(spec: KindSpec, ns: string, name: string): SourceRef {
  switch (spec.kind) {
    case "Secret":
      return namespacedRef("secret", ns, name);
    case "ConfigMap":
      return namespacedRef("configmap", ns, name);
    case "CertificateSigningRequest":
      return namedRef("csr", name);
    case "ValidatingWebhookConfiguration":
    case "MutatingWebhookConfiguration":
      return namedRef("webhook", name);
    case "APIService":
      return namedRef("apiservice", name);
    case "CustomResourceDefinition":
      return namedRef("crd", name);
    case "Node":
      return namedRef("node", name);
    default:
      return makeRef(`${spec.resource.replace(/s$/, "")}.${spec.group}`, spec.namespaced ? `${ns}/${name}` : name);
  }
}

/** Items of one object as the API returned it (typed or plain). Never throws for bad data. */
export function objectToItems(raw: unknown, spec: KindSpec, ctx: ReadContext): Array<RawItem | ScanIssue> {
  const shaped = toJsonShape(raw);
  if (!isRecord(shaped)) return [];
  const obj = { ...shaped, apiVersion: spec.apiVersion, kind: spec.kind };
  const ref = objectRef(spec, obj);
  const out: Array<RawItem | ScanIssue> = [];
  for (const item of readManifestObjects([obj], { path: NO_FILE }, ctx)) {
    if ("path" in item) delete (item as { path?: string }).path;
    if (item.ref === formatRef(fileRef(NO_FILE))) item.ref = ref;
    out.push(item);
  }
  out.push(...objectFacts(obj, spec, ref));
  return out;
}

function serviceOf(clientConfig: unknown): KubeObjectItem["service"] | undefined {
  const svc = isRecord(clientConfig) ? clientConfig.service : undefined;
  if (!isRecord(svc) || typeof svc.name !== "string" || typeof svc.namespace !== "string") return undefined;
  return { namespace: svc.namespace, name: svc.name, ...(typeof svc.port === "number" ? { port: svc.port } : {}) };
}

/** Public facts: which Service a caBundle is for, Node addresses, cert-manager Certificates and Issuers. */
export function objectFacts(obj: Record<string, unknown>, spec: KindSpec, ref: string): KubeObjectItem[] {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === "string" ? meta.name : undefined;
  if (name === undefined) return [];
  const ns = typeof meta.namespace === "string" ? meta.namespace : undefined;
  const base = { type: "kube-object" as const, kind: spec.kind, name, ...(ns ? { namespace: ns } : {}) };
  const spec_ = isRecord(obj.spec) ? obj.spec : {};
  switch (spec.kind) {
    case "ValidatingWebhookConfiguration":
    case "MutatingWebhookConfiguration": {
      const hooks = Array.isArray(obj.webhooks) ? obj.webhooks.slice(0, 10_000) : [];
      return hooks.flatMap((h, i) => {
        const service = serviceOf(isRecord(h) ? h.clientConfig : undefined);
        const at = `${ref}#webhooks/${i}`;
        return service ? [{ ...base, ref: at, context: at, service }] : [];
      });
    }
    case "APIService": {
      const service = serviceOf({ service: spec_.service });
      return service ? [{ ...base, ref, context: ref, service }] : [];
    }
    case "CustomResourceDefinition": {
      const conv = isRecord(spec_.conversion) ? spec_.conversion : {};
      const service = serviceOf(isRecord(conv.webhook) ? conv.webhook.clientConfig : conv.webhookClientConfig);
      return service ? [{ ...base, ref, context: ref, service }] : [];
    }
    case "Node": {
      const status = isRecord(obj.status) ? obj.status : {};
      const addresses = (Array.isArray(status.addresses) ? status.addresses : [])
        .slice(0, 64)
        .map((a) => (isRecord(a) && typeof a.address === "string" ? a.address : undefined))
        .filter((a): a is string => a !== undefined);
      return [{ ...base, ref, context: ref, addresses }];
    }
    case "Certificate": {
      const issuer = isRecord(spec_.issuerRef) ? spec_.issuerRef : {};
      return [
        {
          ...base,
          ref,
          context: ref,
          ...(typeof spec_.secretName === "string" ? { secretName: spec_.secretName } : {}),
          ...(typeof issuer.name === "string" ? { issuerRef: `${typeof issuer.kind === "string" ? issuer.kind : "Issuer"}/${issuer.name}` } : {}),
        },
      ];
    }
    case "Issuer":
    case "ClusterIssuer":
      return [{ ...base, ref, context: ref }];
    default:
      return [];
  }
}
