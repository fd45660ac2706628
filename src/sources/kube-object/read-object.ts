/**
 * The one way a Kubernetes object enters certdoctor, whether it was decoded from a manifest file (a
 * `kubectl get -o yaml` dump) or came from the API: certificate material (Secret and ConfigMap values,
 * CSR objects and their issued certificates, webhook/APIService/CRD `caBundle`s) and the public facts rules
 * need (which Service a caBundle is for, Node addresses, cert-manager objects), in one pass per kind.
 * Refs are the object's own (`secret:NS/NAME#KEY`, `webhook:NAME#webhooks/I/clientConfig/caBundle`), so a
 * dump and a live read give the same refs and contexts. Never throws for bad data.
 */
import { ErrorCode, describeError } from "../../errors.js";
import type { KubeObjectItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { fileRef, formatRef, makeRef, namedRef, objectRef, withKey, type SourceRef } from "../../model/ref.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readMaterial } from "../material.js";
import { filePlaceOf, type ObjectOrigin } from "./origin.js";
import { readKubeCsr } from "./read-kube-csr.js";
import { readRbacObject, type RbacKind } from "./read-rbac.js";
import { readConfigMap, readSecret } from "./read-secret.js";

type Out = Array<RawItem | ScanIssue>;

/** Webhook entries read from one configuration. */
const MAX_WEBHOOKS = 10_000;
const MAX_ADDRESSES = 64;

/** Items and facts of one decoded object; kinds certdoctor does not read give nothing. */
export function readKubeObject(obj: Record<string, unknown>, origin: ObjectOrigin, ctx: ReadContext): Out {
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  const reader = READERS[kind];
  if (reader === undefined) return [];
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : undefined;
  const namespace = typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : undefined;
  if (name === undefined) {
    if (reader.facts === true) return [];
    return [{ code: ErrorCode.ERR_MANIFEST_INVALID, ref: originRef(origin, kind, namespace, "?"), message: `${kind} without metadata.name`, material: true }];
  }
  if (reader.facts === true && !origin.facts && reader.fromDumps !== true) return [];
  const object: KubeObject = { obj, kind, name, namespace, origin };
  try {
    return reader.read(object, ctx);
  } catch (err) {
    // Readers return issues for bad data; this only guards against a bug losing the whole object.
    return [{ code: ErrorCode.ERR_MANIFEST_INVALID, ref: originRef(origin, kind, namespace, name), message: `${kind} ${name} could not be read: ${describeError(err)}`, material: true }];
  }
}

interface KubeObject {
  obj: Record<string, unknown>;
  kind: string;
  name: string;
  namespace: string | undefined;
  origin: ObjectOrigin;
}

interface KindReader {
  read(o: KubeObject, ctx: ReadContext): Out;
  /** The kind holds no certificate material: read only for its facts. */
  facts?: true;
  /** Its facts are read from dumps too: a dump of RBAC objects is what an RBAC audit of a cluster works from. */
  fromDumps?: true;
}

const rbac = (kind: RbacKind): KindReader => ({ read: (o) => readRbacObject(o.obj, kind, o.name, o.namespace), facts: true, fromDumps: true });

const webhooks: KindReader = { read: readWebhooks };

/** What each kind gives; the API source lists exactly these kinds (kubernetes/kinds.ts). */
const READERS: Readonly<Record<string, KindReader>> = {
  Secret: { read: (o, ctx) => readSecret(o.obj, o.namespace ?? "default", o.name, o.origin, ctx) },
  ConfigMap: { read: (o, ctx) => readConfigMap(o.obj, o.namespace ?? "default", o.name, o.origin, ctx) },
  CertificateSigningRequest: { read: (o, ctx) => readKubeCsr(o.obj, o.name, o.origin, ctx) },
  ValidatingWebhookConfiguration: webhooks,
  MutatingWebhookConfiguration: webhooks,
  APIService: { read: readApiService },
  CustomResourceDefinition: { read: readCrd },
  Node: { read: readNode, facts: true },
  Certificate: { read: readCertManagerObject, facts: true },
  Issuer: { read: readCertManagerObject, facts: true },
  ClusterIssuer: { read: readCertManagerObject, facts: true },
  Role: rbac("Role"),
  ClusterRole: rbac("ClusterRole"),
  RoleBinding: rbac("RoleBinding"),
  ClusterRoleBinding: rbac("ClusterRoleBinding"),
};

/** The ref of an issue about the object as a whole: the dump file it is in, or the object itself. */
function originRef(origin: ObjectOrigin, kind: string, namespace: string | undefined, name: string): string {
  if (origin.path !== undefined) return formatRef(fileRef(origin.path));
  const own = ownRef(kind, namespace, name);
  return formatRef(own ?? makeRef(kind.toLowerCase(), name));
}

/** The object's own ref, for the kinds that have one. */
function ownRef(kind: string, namespace: string | undefined, name: string): SourceRef | undefined {
  switch (kind) {
    case "Secret":
      return objectRef("secret", namespace ?? "default", name);
    case "ConfigMap":
      return objectRef("configmap", namespace ?? "default", name);
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
      return undefined;
  }
}

function factOf(o: KubeObject, ref: string): KubeObjectItem {
  return { type: "kube-object", kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), ref, context: ref };
}

function readWebhooks(o: KubeObject, ctx: ReadContext): Out {
  const out: Out = [];
  const own = namedRef("webhook", o.name);
  const hooks = Array.isArray(o.obj.webhooks) ? o.obj.webhooks.slice(0, MAX_WEBHOOKS) : [];
  hooks.forEach((hook, i) => {
    const cc = isRecord(hook) && isRecord(hook.clientConfig) ? hook.clientConfig : {};
    const entry = withKey(own, `webhooks/${i}`);
    readCaBundle(cc.caBundle, withKey(own, `webhooks/${i}/clientConfig/caBundle`), entry, o.origin, ctx, out);
    const service = o.origin.facts ? serviceOf(cc) : undefined;
    if (service !== undefined) out.push({ ...factOf(o, formatRef(entry)), service });
  });
  return out;
}

function readApiService(o: KubeObject, ctx: ReadContext): Out {
  const out: Out = [];
  const own = namedRef("apiservice", o.name);
  const spec = isRecord(o.obj.spec) ? o.obj.spec : {};
  readCaBundle(spec.caBundle, withKey(own, "spec.caBundle"), own, o.origin, ctx, out);
  const service = o.origin.facts ? serviceOf({ service: spec.service }) : undefined;
  if (service !== undefined) out.push({ ...factOf(o, formatRef(own)), service });
  return out;
}

function readCrd(o: KubeObject, ctx: ReadContext): Out {
  const out: Out = [];
  const own = namedRef("crd", o.name);
  const spec = isRecord(o.obj.spec) ? o.obj.spec : {};
  const conversion = isRecord(spec.conversion) ? spec.conversion : {};
  const webhook = isRecord(conversion.webhook) ? conversion.webhook : {};
  // apiextensions.k8s.io/v1 has conversion.webhook.clientConfig; v1beta1 had conversion.webhookClientConfig.
  const v1 = isRecord(webhook.clientConfig) ? webhook.clientConfig.caBundle : undefined;
  const v1beta1 = isRecord(conversion.webhookClientConfig) ? conversion.webhookClientConfig.caBundle : undefined;
  if (v1 !== undefined) readCaBundle(v1, withKey(own, "spec.conversion.webhook.clientConfig.caBundle"), own, o.origin, ctx, out);
  else readCaBundle(v1beta1, withKey(own, "spec.conversion.webhookClientConfig.caBundle"), own, o.origin, ctx, out);
  const clientConfig = isRecord(conversion.webhook) ? webhook.clientConfig : conversion.webhookClientConfig;
  const service = o.origin.facts ? serviceOf(clientConfig) : undefined;
  if (service !== undefined) out.push({ ...factOf(o, formatRef(own)), service });
  return out;
}

function readNode(o: KubeObject): Out {
  const status = isRecord(o.obj.status) ? o.obj.status : {};
  const addresses = (Array.isArray(status.addresses) ? status.addresses : [])
    .slice(0, MAX_ADDRESSES)
    .map((a) => (isRecord(a) && typeof a.address === "string" ? a.address : undefined))
    .filter((a): a is string => a !== undefined);
  return [{ ...factOf(o, formatRef(namedRef("node", o.name))), addresses }];
}

/** cert-manager Certificate, Issuer, ClusterIssuer: `certificate.cert-manager.io:NS/NAME`, `clusterissuer.cert-manager.io:NAME`. */
function readCertManagerObject(o: KubeObject): Out {
  const group = typeof o.obj.apiVersion === "string" ? o.obj.apiVersion.split("/")[0]! : "cert-manager.io";
  const ref = formatRef(makeRef(`${o.kind.toLowerCase()}.${group}`, o.kind === "ClusterIssuer" ? o.name : `${o.namespace ?? ""}/${o.name}`));
  const fact = factOf(o, ref);
  const spec = isRecord(o.obj.spec) ? o.obj.spec : {};
  if (o.kind !== "Certificate") {
    const ca = isRecord(spec.ca) && typeof spec.ca.secretName === "string" && spec.ca.secretName !== "" ? spec.ca.secretName : undefined;
    return [ca === undefined ? fact : { ...fact, caSecretName: ca }];
  }
  const issuer = isRecord(spec.issuerRef) ? spec.issuerRef : {};
  return [
    {
      ...fact,
      ...(typeof spec.secretName === "string" ? { secretName: spec.secretName } : {}),
      ...(typeof issuer.name === "string" ? { issuerRef: `${typeof issuer.kind === "string" ? issuer.kind : "Issuer"}/${issuer.name}` } : {}),
    },
  ];
}

function serviceOf(clientConfig: unknown): KubeObjectItem["service"] | undefined {
  const svc = isRecord(clientConfig) ? clientConfig.service : undefined;
  if (!isRecord(svc) || typeof svc.name !== "string" || typeof svc.namespace !== "string") return undefined;
  return { namespace: svc.namespace, name: svc.name, ...(typeof svc.port === "number" ? { port: svc.port } : {}) };
}

/** A base64 `caBundle`: its certificates are anchors of the entry's own trust context. */
function readCaBundle(value: unknown, at: SourceRef, context: SourceRef, origin: ObjectOrigin, ctx: ReadContext, out: Out): void {
  if (typeof value !== "string" || value.trim() === "") return;
  const ref = formatRef(at);
  const bytes = decodeBase64Value(value);
  if (bytes === undefined) {
    out.push({ code: ErrorCode.ERR_BASE64_INVALID, ref, message: "caBundle is not valid base64", material: true });
    return;
  }
  const items = readMaterial(bytes, { ref: at, context: formatRef(context), ...filePlaceOf(origin), anchor: true }, ctx);
  out.push(...(items.length > 0 ? items : [{ code: ErrorCode.ERR_PEM_INVALID, ref, message: "caBundle holds no certificate", material: true }]));
}
