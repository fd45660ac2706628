/**
 * Where a certificate location sits in x509-certificate-exporter's terms: its source kind and the
 * location label slots (`filename`/`filepath`, `embedded_*`, `secret_*`, `configmap_*`, `cabundle_*`).
 * Locations enix has no slot for (CSR objects, TLS endpoints, process views) return undefined: they
 * are covered by certdoctor's own series instead.
 */
import type { Location } from "../model/inventory.js";
import type { SourceRef } from "../model/items.js";

export type X509SourceKind = "file" | "kubeconfig" | "kube-secret" | "kube-configmap" | "kube-cabundle";

export interface LocationSlots {
  kind: X509SourceKind;
  filename: string;
  filepath: string;
  embeddedKind: string;
  embeddedKey: string;
  namespace: string;
  name: string;
  key: string;
  cabundleKind: string;
  cabundleEntry: string;
}

const NONE: Omit<LocationSlots, "kind"> = {
  filename: "",
  filepath: "",
  embeddedKind: "",
  embeddedKey: "",
  namespace: "",
  name: "",
  key: "",
  cabundleKind: "",
  cabundleEntry: "",
};

/** enix's `trimPath`: drops `n` leading components, keeping a leading slash; everything trimmed gives "". */
export function trimPath(path: string, n: number): string {
  if (n <= 0) return path;
  const abs = path.startsWith("/");
  const parts = path.replace(/^\/+/, "").split("/");
  if (n >= parts.length) return "";
  const rest = parts.slice(n).join("/");
  return abs ? `/${rest}` : rest;
}

function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** `kind:location#key` split at the first ':' and first '#'. */
function splitRef(ref: SourceRef): { kind: string; location: string; key: string } {
  const colon = ref.indexOf(":");
  if (colon < 0) return { kind: "", location: ref, key: "" };
  const rest = ref.slice(colon + 1);
  const hash = rest.indexOf("#");
  return hash < 0 ? { kind: ref.slice(0, colon), location: rest, key: "" } : { kind: ref.slice(0, colon), location: rest.slice(0, hash), key: rest.slice(hash + 1) };
}

/** A trailing `/N` that marks the N-th certificate of a multi-certificate value. */
function dropIndex(key: string): string {
  return key.replace(/\/\d+$/, "");
}

function splitNamespaced(location: string): { namespace: string; name: string } {
  const slash = location.indexOf("/");
  return slash < 0 ? { namespace: "", name: location } : { namespace: location.slice(0, slash), name: location.slice(slash + 1) };
}

/** Slots for a ref; `path` is the location's filesystem path when it has one (files, kubeconfigs). */
export function locationSlots(ref: SourceRef, path: string | undefined, trimPathComponents: number): LocationSlots | undefined {
  const { kind, location, key } = splitRef(ref);
  switch (kind) {
    case "file": {
      const p = path ?? location;
      return { ...NONE, kind: "file", filename: baseName(p), filepath: trimPath(p, trimPathComponents) };
    }
    case "kubeconfig": {
      const p = path ?? location;
      // #users/NAME, #clusters/NAME, then /N for further certificates of the same value.
      const m = /^(users|clusters)\/(.*)$/.exec(key);
      const embeddedKey = m ? dropIndex(m[2]!) : "";
      return {
        ...NONE,
        kind: "kubeconfig",
        filename: baseName(p),
        filepath: trimPath(p, trimPathComponents),
        embeddedKind: m ? (m[1] === "users" ? "user" : "cluster") : "",
        embeddedKey,
      };
    }
    case "secret":
    case "configmap": {
      const { namespace, name } = splitNamespaced(location);
      return { ...NONE, kind: kind === "secret" ? "kube-secret" : "kube-configmap", namespace, name, key: dropIndex(key) };
    }
    case "webhook": {
      const m = /^webhooks\/(\d+)\//.exec(key);
      return { ...NONE, kind: "kube-cabundle", cabundleKind: "WebhookConfiguration", name: location, cabundleEntry: m ? m[1]! : "" };
    }
    case "apiservice":
      return { ...NONE, kind: "kube-cabundle", cabundleKind: "APIService", name: location };
    case "crd":
      return { ...NONE, kind: "kube-cabundle", cabundleKind: "CustomResourceDefinition", name: location };
    default:
      return undefined;
  }
}

export function slotsOf(location: Location, trimPathComponents: number): LocationSlots | undefined {
  return locationSlots(location.ref, location.path, trimPathComponents);
}
