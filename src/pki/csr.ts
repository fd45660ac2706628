import { createPublicKey, type KeyObject } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { CsrInfo } from "../model/cert.js";
import { formatDistinguishedName } from "./names.js";
import { TAG, bytesOf, contentOf, readChildren, readOid, readSmallInteger, readTlv, readWhole, type Tlv } from "./der-tlv.js";
import { describeKeyObject } from "./keys.js";
import { signatureAlgorithmNames } from "./oids.js";
import { verifySignature } from "./verify.js";
import { formatIpAddress, ia5Text } from "./x509-extensions.js";

/** CSRs with many SANs stay far below this; larger input is refused before parsing. */
export const MAX_CSR_BYTES = 256 * 1024;

const NIST_CURVES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
interface SanLists {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** Parses a PKCS#10 request and checks its self-signature. Throws ERR_CSR_INVALID. */
export function parseCsr(der: Uint8Array): CsrInfo {
  if (der.length > MAX_CSR_BYTES) fail(`CSR is larger than ${MAX_CSR_BYTES} bytes`);
  const root = readWhole(der);
  const top = root?.tag === TAG.SEQUENCE ? readChildren(der, root, 4) : undefined;
  if (top === undefined || top.length !== 3) fail("not a PKCS#10 CertificationRequest");
  const [cri, sigAlg, sigValue] = top as [Tlv, Tlv, Tlv];
  const criKids = cri.tag === TAG.SEQUENCE ? readChildren(der, cri, 8) : undefined;
  if (criKids === undefined || criKids.length < 3 || readSmallInteger(der, criKids[0]!) !== 0) fail("CertificationRequestInfo is malformed");
  const subject = formatSubject(bytesOf(der, criKids[1]!));
  const spki = bytesOf(der, criKids[2]!);
  const publicKey = decodeSpki(spki);
  const attrs = criKids[3];
  const sans = attrs !== undefined && attrs.tag === 0xa0 ? readSans(der, attrs) : emptySans();
  const algKids = sigAlg.tag === TAG.SEQUENCE ? readChildren(der, sigAlg, 2) : undefined;
  const sigOid = algKids?.[0] === undefined ? undefined : readOid(der, algKids[0]);
  if (sigOid === undefined || sigValue.tag !== TAG.BIT_STRING || sigValue.end - sigValue.contentStart < 2) fail("CSR signature is malformed");
  const { keyType, keySize, spkiFingerprint } = describeKeyObject(publicKey);
  const namedCurve = keyType === "EC" ? publicKey.asymmetricKeyDetails?.namedCurve : undefined;
  const paramsTlv = algKids?.[1];
  const params = paramsTlv === undefined || paramsTlv.tag === TAG.NULL ? undefined : bytesOf(der, paramsTlv);
  return {
    subject,
    ...sans,
    keyType,
    keySize,
    ...(namedCurve === undefined ? {} : { curve: NIST_CURVES[namedCurve] ?? namedCurve }),
    spkiFingerprint,
    signatureAlgorithm: signatureAlgorithmNames[sigOid] ?? sigOid,
    // The same check as for certificates: the request is signed by its own key.
    signatureValid: verifySignature(
      {
        tbs: bytesOf(der, cri),
        signature: contentOf(der, sigValue).subarray(1),
        signatureOid: sigOid,
        ...(params === undefined ? {} : { signatureParams: params }),
      },
      spki,
    ),
  };
}

function formatSubject(name: Uint8Array): string {
  try {
    return formatDistinguishedName(name);
  } catch (err) {
    fail("CSR subject is malformed", err);
  }
}

function decodeSpki(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (err) {
    fail("CSR public key is not a supported SubjectPublicKeyInfo", err);
  }
}

function readSans(der: Uint8Array, attrs: Tlv): SanLists {
  const out = emptySans();
  for (const attr of readChildren(der, attrs, 64) ?? []) {
    const kids = attr.tag === TAG.SEQUENCE ? readChildren(der, attr, 2) : undefined;
    if (kids?.length !== 2 || readOid(der, kids[0]!) !== OID_EXTENSION_REQUEST) continue;
    for (const extensions of readChildren(der, kids[1]!, 4) ?? []) {
      for (const ext of (extensions.tag === TAG.SEQUENCE ? readChildren(der, extensions, 256) : undefined) ?? []) {
        const parts = ext.tag === TAG.SEQUENCE ? readChildren(der, ext, 3) : undefined;
        if (parts === undefined || parts.length < 2 || readOid(der, parts[0]!) !== OID_SUBJECT_ALT_NAME) continue;
        const value = parts[parts.length - 1]!;
        if (value.tag !== TAG.OCTET_STRING) fail("subjectAltName extension is malformed");
        const names = readTlv(der, value.contentStart, value.end);
        if (names === undefined || names.tag !== TAG.SEQUENCE) fail("subjectAltName extension is malformed");
        addGeneralNames(der, names, out);
      }
    }
  }
  return out;
}

function addGeneralNames(der: Uint8Array, names: Tlv, out: SanLists): void {
  for (const name of readChildren(der, names, 4096) ?? fail("subjectAltName extension is malformed")) {
    const value = Buffer.from(contentOf(der, name));
    if (name.tag === 0x82) out.dnsNames.push(ia5Text(value));
    else if (name.tag === 0x81) out.emailAddresses.push(ia5Text(value));
    else if (name.tag === 0x86) out.uris.push(ia5Text(value));
    else if (name.tag === 0x87) out.ipAddresses.push(formatIpAddress(value, 0, value.length) ?? value.toString("hex"));
  }
}

function emptySans(): SanLists {
  return { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
}

function fail(message: string, cause?: unknown): never {
  throw new CertdoctorError(ErrorCode.ERR_CSR_INVALID, message, cause === undefined ? {} : { cause });
}
