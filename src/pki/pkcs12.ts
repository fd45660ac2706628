import { createPrivateKey } from "node:crypto";
import forge from "node-forge";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { KeyInfo } from "../model/cert.js";
import { TAG, readChildren, readSmallInteger, readWhole } from "./der-tlv.js";
import { kdfLeft, type KdfBudget } from "./kdf-budget.js";
import { DerivationMeter, withDerivationGate } from "./pkcs12-kdf.js";
import { visibleDerivations } from "./pkcs12-derivations.js";
import { describeKeyObject } from "./keys.js";

/** Real keystores are a few kB; kubelet/Java bundles with hundreds of CAs stay well below this. */
export const MAX_PKCS12_BYTES = 4 * 1024 * 1024;
/**
 * Iterations one derivation may ask for (OpenSSL writes 2,048, Java 10,000). forge's PKCS#12 KDF is pure
 * JavaScript: 200,000 SHA-256 iterations take about 0.5 s.
 */
export const MAX_PKCS12_ITERATIONS = 200_000;
/** Iterations all the passwords tried on one bundle may spend together: five derivations at the cap. */
export const MAX_PKCS12_ITERATIONS_PER_BUNDLE = 1_000_000;

export interface Pkcs12Contents {
  certs: Uint8Array[];
  keys: KeyInfo[];
}

/**
 * Opens a PKCS#12 bundle, trying "" and then each password. Certificates come back as DER, keys as
 * public facts only. Every derivation the bundle shows is priced before the first is run, and each one
 * run is charged to the bundle's and the scan's budget (`budget`). Throws ERR_PKCS12_PASSWORD when no
 * password opens it, ERR_KDF_ITERATIONS / ERR_KDF_BUDGET when opening it would cost too much,
 * ERR_PKCS12_INVALID otherwise.
 */
export function readPkcs12(bytes: Uint8Array, passwords: string[], budget?: KdfBudget): Pkcs12Contents {
  if (bytes.length > MAX_PKCS12_BYTES) invalid(`PKCS#12 bundle is larger than ${MAX_PKCS12_BYTES} bytes`);
  if (!looksLikePkcs12(bytes)) invalid("not a PKCS#12 PFX structure");
  const meter = new DerivationMeter({ perDerivation: MAX_PKCS12_ITERATIONS, perBundle: MAX_PKCS12_ITERATIONS_PER_BUNDLE, ...(budget === undefined ? {} : { scan: budget }) });
  checkVisibleCost(bytes, budget);
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString("binary")), true);
  } catch (err) {
    invalid("PKCS#12 bundle is not valid DER", err);
  }
  const tried = [...new Set(passwords.filter((p) => p !== ""))];
  let lastError: unknown;
  let passwordRejected = false;
  for (const password of ["", ...tried]) {
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = withDerivationGate(meter, () => forge.pkcs12.pkcs12FromAsn1(asn1, false, password));
    } catch (err) {
      if (meter.refusal !== undefined) throw meter.refusal;
      lastError = err;
      passwordRejected ||= isPasswordError(err);
      continue;
    }
    if (meter.refusal !== undefined) throw meter.refusal;
    return collectBags(p12);
  }
  if (passwordRejected) {
    throw new CertdoctorError(
      ErrorCode.ERR_PKCS12_PASSWORD,
      tried.length === 0
        ? "this bundle has a password and no PKCS#12 password was configured"
        : `none of the ${tried.length} configured PKCS#12 password${tried.length === 1 ? "" : "s"} (nor an empty one) opens this bundle`,
    );
  }
  invalid("PKCS#12 bundle could not be decoded", lastError);
}

/** Refuses, before any derivation, a bundle whose visible derivations pass the cap or what one attempt may spend. */
function checkVisibleCost(bytes: Uint8Array, budget: KdfBudget | undefined): void {
  const visible = visibleDerivations(bytes, readWhole(bytes)!);
  if (visible === undefined) invalid("PKCS#12 structure is not a PFX whose key derivations can be read");
  const largest = Math.max(0, ...visible);
  if (largest > MAX_PKCS12_ITERATIONS) {
    throw new CertdoctorError(ErrorCode.ERR_KDF_ITERATIONS, `a PKCS#12 key derivation asks for ${Number.isFinite(largest) ? largest : "an unreadable number of"} iterations, more than ${MAX_PKCS12_ITERATIONS}`);
  }
  const oneAttempt = visible.reduce((a, b) => a + b, 0);
  if (oneAttempt > MAX_PKCS12_ITERATIONS_PER_BUNDLE) {
    throw new CertdoctorError(ErrorCode.ERR_KDF_BUDGET, `opening it would take ${oneAttempt} key-derivation iterations, more than ${MAX_PKCS12_ITERATIONS_PER_BUNDLE}`);
  }
  if (budget !== undefined && oneAttempt > kdfLeft(budget)) {
    throw new CertdoctorError(ErrorCode.ERR_KDF_BUDGET, "the scan's key-derivation budget is spent: not opened");
  }
}

/** PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData MacData OPTIONAL }. */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  const root = readWhole(bytes);
  if (root === undefined || root.tag !== TAG.SEQUENCE) return false;
  const kids = readChildren(bytes, root, 4);
  return kids !== undefined && (kids.length === 2 || kids.length === 3) && readSmallInteger(bytes, kids[0]!) === 3 && kids[1]!.tag === TAG.SEQUENCE;
}

function collectBags(p12: forge.pkcs12.Pkcs12Pfx): Pkcs12Contents {
  const out: Pkcs12Contents = { certs: [], keys: [] };
  for (const contents of p12.safeContents) {
    for (const bag of contents.safeBags) {
      try {
        if (bag.type === forge.pki.oids.certBag) {
          // forge decodes RSA certificates only; for others it keeps the ASN.1 it read.
          const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
          if (asn1 !== undefined) out.certs.push(toBytes(asn1));
        } else if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
          const asn1 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey)) : bag.asn1;
          if (asn1 === undefined) continue;
          const key = createPrivateKey({ key: Buffer.from(toBytes(asn1)), format: "der", type: "pkcs8" });
          out.keys.push({ encrypted: bag.type === forge.pki.oids.pkcs8ShroudedKeyBag, ...describeKeyObject(key) });
        }
      } catch (err) {
        if (err instanceof CertdoctorError) throw err;
        invalid("a PKCS#12 bag could not be decoded", err);
      }
    }
  }
  return out;
}

function toBytes(asn1: forge.asn1.Asn1): Uint8Array {
  return new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary"));
}

function isPasswordError(err: unknown): boolean {
  return err instanceof Error && /MAC could not be verified|wrong password|Invalid password/i.test(err.message);
}

function invalid(message: string, cause?: unknown): never {
  // forge's messages describe structure only; the cause is kept for debugging, never key bytes.
  throw new CertdoctorError(ErrorCode.ERR_PKCS12_INVALID, message, cause === undefined ? {} : { cause });
}
