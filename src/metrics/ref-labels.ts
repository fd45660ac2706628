/**
 * Where a certificate location sits in x509-certificate-exporter's terms: its source kind and the
 * location label slots (`filename`/`filepath`, `embedded_*`, `secret_*`, `configmap_*`, `cabundle_*`).
 * Locations enix has no slot for (CSR objects, TLS endpoints, process views) return undefined: they
 * are covered by certdoctor's own series instead.
 */
import type { Location } from "../model/inventory.js";
import { parseRef, refKindOf, valueKeyOf, type SourceRef } from "../model/ref.js";

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

/** The key without a trailing `/N` that marks the N-th certificate of a multi-certificate value. */
function valueKey(ref: SourceRef): string {
  return valueKeyOf(ref) ?? "";
}

const KINDS_WITH_SLOTS = new Set(["file", "kubeconfig", "secret", "configmap", "webhook", "apiservice", "crd"]);

/** False when a ref's kind has no enix slot (locationSlots would be undefined); cheap, without parsing it. */
export function mayHaveSlots(ref: string): boolean {
  return KINDS_WITH_SLOTS.has(refKindOf(ref));
}

/** Slots for a ref; `path` is the location's filesystem path when it has one (files, kubeconfigs). */
export function locationSlots(refString: string, path: string | undefined, trimPathComponents: number): LocationSlots | undefined {
  const ref = parseRef(refString);
  if (ref === undefined) return undefined;
  const { location } = ref;
  const key = ref.key ?? "";
  switch (ref.kind) {
    case "file": {
      const p = path ?? location;
      return { ...NONE, kind: "file", filename: baseName(p), filepath: trimPath(p, trimPathComponents) };
    }
    case "kubeconfig": {
      const p = path ?? location;
      // #users/NAME, #clusters/NAME, then /N for further certificates of the same value.
      const m = /^(users|clusters)\/(.*)$/.exec(valueKey(ref));
      const embeddedKey = m ? m[2]! : "";
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
      return { ...NONE, kind: ref.kind === "secret" ? "kube-secret" : "kube-configmap", namespace: ref.namespace ?? "", name: ref.name ?? location, key: valueKey(ref) };
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

export function slotsOf(location: Pick<Location, "ref" | "path">, trimPathComponents: number): LocationSlots | undefined {
  // Most locations are files with their path at hand: their slots need no ref parsing.
  const p = location.path;
  if (p !== undefined && refKindOf(location.ref) === "file") {
    return { kind: "file", filename: baseName(p), filepath: trimPath(p, trimPathComponents), embeddedKind: "", embeddedKey: "", namespace: "", name: "", key: "", cabundleKind: "", cabundleEntry: "" };
  }
  return locationSlots(location.ref, p, trimPathComponents);
}
