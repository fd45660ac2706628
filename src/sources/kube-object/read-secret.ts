import { formatRef, objectRef, withKey, type SourceRef } from "../../model/ref.js";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { decodeBase64Value } from "../base64.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";
import { readMaterial } from "../material.js";
import { certStem, isAnchorKey, keyStem, pairedStems } from "./key-names.js";
import { filePlaceOf, type ObjectOrigin } from "./origin.js";

type Out = Array<RawItem | ScanIssue>;

/** Maximum keys read from one Secret or ConfigMap. */
const MAX_KEYS = 10_000;

/**
 * Secret `data` (base64) and `stringData`, ANY key, PEM or DER inside. Ref `secret:NS/NAME#KEY`
 * (`#KEY/N` for several blocks), context `secret:NS/NAME`, pair `secret:NS/NAME#pair/STEM`.
 */
export function readSecret(obj: Record<string, unknown>, ns: string, name: string, origin: ObjectOrigin, ctx: ReadContext): Out {
  const id = objectRef("secret", ns, name);
  const entries: Array<[string, unknown, boolean]> = [];
  if (isRecord(obj.data)) for (const [k, v] of Object.entries(obj.data)) entries.push([k, v, true]);
  if (isRecord(obj.stringData)) for (const [k, v] of Object.entries(obj.stringData)) entries.push([k, v, false]);
  return readValues(id, entries, origin, ctx);
}

/** ConfigMap `data` (text) and `binaryData` (base64): `configmap:NS/NAME#KEY`, context `configmap:NS/NAME`. */
export function readConfigMap(obj: Record<string, unknown>, ns: string, name: string, origin: ObjectOrigin, ctx: ReadContext): Out {
  const id = objectRef("configmap", ns, name);
  const entries: Array<[string, unknown, boolean]> = [];
  if (isRecord(obj.data)) for (const [k, v] of Object.entries(obj.data)) entries.push([k, v, false]);
  if (isRecord(obj.binaryData)) for (const [k, v] of Object.entries(obj.binaryData)) entries.push([k, v, true]);
  return readValues(id, entries, origin, ctx);
}

function readValues(object: SourceRef, entries: Array<[string, unknown, boolean]>, origin: ObjectOrigin, ctx: ReadContext): Out {
  const out: Out = [];
  const id = formatRef(object);
  const paired = pairedStems(entries.map(([k]) => k));
  for (const [key, value, base64] of entries.slice(0, MAX_KEYS)) {
    if (typeof value !== "string" || value === "") continue;
    const at = withKey(object, key);
    const ref = formatRef(at);
    let bytes: Uint8Array | undefined;
    let text: string | undefined;
    if (base64) {
      bytes = decodeBase64Value(value);
      if (bytes === undefined) {
        out.push({ code: ErrorCode.ERR_BASE64_INVALID, ref, message: `value of key "${key}" is not valid base64`, material: true });
        continue;
      }
    } else {
      text = value;
      bytes = new Uint8Array(Buffer.from(value, "utf8"));
    }
    if (bytes.length > ctx.limits.maxFileBytes) {
      out.push({ code: ErrorCode.ERR_FILE_TOO_LARGE, ref, message: `value is over the ${ctx.limits.maxFileBytes} byte limit`, material: false });
      continue;
    }
    const stem = certStem(key) ?? keyStem(key);
    const place = {
      ref: at,
      context: id,
      ...filePlaceOf(origin),
      ...(isAnchorKey(key) ? { anchor: true } : {}),
      ...(stem !== undefined && paired.has(stem) ? { pair: formatRef(withKey(object, `pair/${stem}`)) } : {}),
    };
    const items = readMaterial(bytes, place, ctx, text);
    if (items.length === 0 && isCertificateKey(key)) {
      // tls.crt / ca.crt that is neither PEM nor DER: whatever should be trusted or served there is not.
      out.push({ code: ErrorCode.ERR_CERT_INVALID, ref, message: `value of key "${key}" holds no certificate (neither PEM nor DER)`, material: true });
    }
    out.push(...items);
  }
  return out;
}

/** Keys that by name hold certificates: tls.crt, ca.crt, client.cert, root.cer. */
function isCertificateKey(key: string): boolean {
  return /\.(?:crt|cert|cer)$/i.test(key);
}
