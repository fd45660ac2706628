/**
 * No certificate lost to a structure that does not parse: when a file reads as YAML/JSON-like text but
 * its structure is broken (a YAML error, a kubeconfig whose top-level keys are mangled), the certificates
 * it embeds are still read by value — PEM blocks, and long base64 values (`*-data:` fields) that decode
 * to certificate material — besides the parse-error that names the structural problem.
 */
import { blockRef } from "../../model/ref.js";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { readMaterial, sniffMaterial, type MaterialPlace } from "../material.js";

type Out = Array<RawItem | ScanIssue>;

/**
 * Base64 values long enough to hold a certificate (the shortest real ones are ~400 base64 characters) after a
 * `key:` — block style (`key: <base64>` lines), flow style (`{key: <base64>}`) and JSON (`"key": "<base64>",`).
 */
const BASE64_VALUE = /[A-Za-z0-9._/-]["']?[ \t]*:[ \t]*["']?([A-Za-z0-9+/]{200,}={0,2})(?=["']?[ \t]*(?:$|[,}\]]))/gm;
/** Bound on salvaged values per file. */
const MAX_VALUES = 1000;

/**
 * Items found by value in `text`. `known` holds the DER (as latin1 strings) of certificates the structured
 * read already produced, so nothing is reported twice. Refs: `file:PATH#N` in order of appearance,
 * numbered after the file's PEM blocks.
 */
export function salvageMaterial(text: string, bytes: Uint8Array, place: MaterialPlace, ctx: ReadContext, known: ReadonlySet<string>): Out {
  const out: Out = [];
  let next = 0;
  if (text.includes("-----BEGIN ")) {
    const pem = readMaterial(bytes, place, ctx, text);
    for (const item of pem) {
      if ("type" in item && item.type === "cert" && known.has(Buffer.from(item.der).toString("latin1"))) continue;
      if ("type" in item || item.material) out.push(item);
    }
    next = (text.match(/-----BEGIN /g) ?? []).length;
  }
  let count = 0;
  for (const m of text.matchAll(BASE64_VALUE)) {
    if (++count > MAX_VALUES) break;
    const value = decodeBase64Value(m[1]!);
    if (value === undefined || sniffMaterial(value) === "none") continue;
    const index = next++;
    const items = readMaterial(value, { ...place, ref: place.blockRef?.(index) ?? blockRef(place.ref, index) }, ctx);
    for (const item of items) {
      if ("type" in item && item.type === "cert" && known.has(Buffer.from(item.der).toString("latin1"))) continue;
      out.push(item);
    }
  }
  return out;
}

/** The parse-error for a file that looks like a kubeconfig or manifest and is not one. */
export function notStructuredIssue(ref: string, text: string): ScanIssue {
  const kubeconfigish = /^(?:clusters|users|contexts|current-context)\s*:|-data\s*:/m.test(text);
  const message = kubeconfigish
    ? "looks like a kubeconfig but has no clusters/users lists (mangled top-level keys?); its embedded certificates were read by value"
    : "looks like a Kubernetes manifest but holds no object certdoctor reads (no kind/apiVersion); its embedded certificates were read by value";
  return { code: kubeconfigish ? ErrorCode.ERR_KUBECONFIG_INVALID : ErrorCode.ERR_MANIFEST_INVALID, ref, message, material: true };
}
