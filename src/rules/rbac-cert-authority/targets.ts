/**
 * What an RBAC grant can reach that matters for certificates, from the inventory: Secrets holding a CA
 * together with its key (the trust graph's CAs, KubeEdge's casecret, cert-manager CA issuers' Secrets),
 * objects carrying a caBundle (webhook configurations, APIServices, CRD conversion webhooks) and ConfigMaps
 * holding CA certificates (kube-root-ca.crt, extension-apiserver-authentication, cluster-info). Pure.
 */
import type { Inventory } from "../../inventory/inventory.js";
import type { InventoryCert } from "../../model/inventory.js";
import { spkiFingerprintsOf } from "../../model/cert.js";
import { formatRef, namedRef, objectRef, parseRef } from "../../model/ref.js";

export interface CaSecret {
  namespace: string;
  name: string;
  /** `secret:NS/NAME` */
  ref: string;
  certs: InventoryCert[];
  /** Why it counts: "holds CA CN=… and its key", "CA Secret of cert-manager Issuer NS/NAME". */
  why: string;
}

/** A cluster-scoped object with a caBundle: which resource(s) it may be (a `webhook:` ref does not say validating or mutating). */
export interface BundleHolder {
  label: string;
  name: string;
  ref: string;
  resources: Array<{ group: string; resource: string }>;
  /** Admission webhooks see (and mutating ones rewrite) every matching request. */
  admission: boolean;
  certs: InventoryCert[];
}

export interface TrustConfigMap {
  namespace: string;
  name: string;
  ref: string;
  certs: InventoryCert[];
}

export interface Targets {
  caSecrets: CaSecret[];
  bundles: BundleHolder[];
  configMaps: TrustConfigMap[];
}

const ADMISSION = "admissionregistration.k8s.io";
/** cert-manager's --cluster-resource-namespace default: where a ClusterIssuer's CA Secret lives. */
const CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE = "cert-manager";

export function targetsOf(inv: Inventory): Targets {
  const secrets = new Map<string, CaSecret>();
  const bundles = new Map<string, BundleHolder>();
  const configMaps = new Map<string, TrustConfigMap>();
  const keyPlaces = new Map<string, Set<string>>();
  for (const k of inv.keys) {
    const at = parseRef(k.location.ref);
    if (at?.kind !== "secret") continue;
    for (const spki of spkiFingerprintsOf(k.key)) {
      let set = keyPlaces.get(spki);
      if (set === undefined) keyPlaces.set(spki, (set = new Set()));
      set.add(at.location);
    }
  }
  const webhookKinds = new Map<string, string>();
  for (const o of inv.objects) if (o.kind === "ValidatingWebhookConfiguration" || o.kind === "MutatingWebhookConfiguration") webhookKinds.set(o.name, o.kind);

  for (const cert of inv.live()) {
    for (const l of cert.locations) {
      if (l.backup) continue;
      const at = parseRef(l.ref);
      if (at === undefined) continue;
      if (at.kind === "secret" && cert.record.isCA && keyPlaces.get(cert.record.spkiFingerprint)?.has(at.location)) {
        add(secrets, at.location, () => ({ namespace: at.namespace!, name: at.name!, ref: formatRef(objectRef("secret", at.namespace!, at.name!)), certs: [], why: `holds CA ${cert.record.subject} and its key` })).certs.push(cert);
      } else if (at.kind === "configmap" && (l.anchor || cert.record.isCA)) {
        add(configMaps, at.location, () => ({ namespace: at.namespace!, name: at.name!, ref: formatRef(objectRef("configmap", at.namespace!, at.name!)), certs: [] })).certs.push(cert);
      } else if ((at.kind === "webhook" || at.kind === "apiservice" || at.kind === "crd") && l.anchor) {
        add(bundles, formatRef(namedRef(at.kind, at.location)), () => bundleHolder(at.kind as "webhook" | "apiservice" | "crd", at.location, webhookKinds.get(at.location))).certs.push(cert);
      }
    }
  }
  for (const o of inv.objects) {
    if ((o.kind !== "Issuer" && o.kind !== "ClusterIssuer") || o.caSecretName === undefined) continue;
    const namespace = o.kind === "Issuer" ? (o.namespace ?? "default") : CERT_MANAGER_CLUSTER_RESOURCE_NAMESPACE;
    const existing = secrets.get(`${namespace}/${o.caSecretName}`);
    const why = `the CA Secret of cert-manager ${o.kind} ${o.kind === "Issuer" ? `${namespace}/` : ""}${o.name}`;
    if (existing) existing.why = `${existing.why}; ${why}`;
    else secrets.set(`${namespace}/${o.caSecretName}`, { namespace, name: o.caSecretName, ref: formatRef(objectRef("secret", namespace, o.caSecretName)), certs: [], why });
  }
  return { caSecrets: [...secrets.values()], bundles: [...bundles.values()], configMaps: [...configMaps.values()] };
}

function add<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

function bundleHolder(kind: "webhook" | "apiservice" | "crd", name: string, webhookKind: string | undefined): BundleHolder {
  const ref = formatRef(namedRef(kind, name));
  if (kind === "apiservice") return { label: `APIService ${name}`, name, ref, resources: [{ group: "apiregistration.k8s.io", resource: "apiservices" }], admission: false, certs: [] };
  if (kind === "crd") return { label: `CustomResourceDefinition ${name}`, name, ref, resources: [{ group: "apiextensions.k8s.io", resource: "customresourcedefinitions" }], admission: false, certs: [] };
  const resources = [
    ...(webhookKind !== "MutatingWebhookConfiguration" ? [{ group: ADMISSION, resource: "validatingwebhookconfigurations" }] : []),
    ...(webhookKind !== "ValidatingWebhookConfiguration" ? [{ group: ADMISSION, resource: "mutatingwebhookconfigurations" }] : []),
  ];
  return { label: `${webhookKind ?? "webhook configuration"} ${name}`, name, ref, resources, admission: true, certs: [] };
}
