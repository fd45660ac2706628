/** Certificate creation for the bench corpus, with @peculiar/x509 on Node's webcrypto. */
import "./reflect-shim.js";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import {
  CHAIN_KEYS,
  LEAF_KEY_POOL,
  getIntermediateIndex,
  getRootIndex,
  type KeyAlg,
  type LeafSpec,
} from "./corpus-plan.js";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

const RSA_ALG = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const EC_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

function getAlgorithm(alg: KeyAlg): typeof RSA_ALG | typeof EC_ALG {
  return alg === "RSA" ? RSA_ALG : EC_ALG;
}

/** Serializable key material handed to signing workers over IPC (never logged, never written out). */
export interface KeyMaterial {
  alg: KeyAlg;
  pkcs8: string;
  spki: string;
}

export interface CaMaterial extends KeyMaterial {
  der: string;
}

/** Everything a worker needs: CA certs and keys (index = CA number) and the leaf key pool. */
export interface SigningMaterial {
  cas: CaMaterial[];
  pool: KeyMaterial[];
}

async function generateKeyMaterial(alg: KeyAlg): Promise<KeyMaterial> {
  const pair = (await subtle.generateKey(getAlgorithm(alg), true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await subtle.exportKey("pkcs8", pair.privateKey)).toString("base64");
  const spki = Buffer.from(await subtle.exportKey("spki", pair.publicKey)).toString("base64");
  return { alg, pkcs8, spki };
}

async function importSigningKey(k: KeyMaterial): Promise<CryptoKey> {
  return subtle.importKey("pkcs8", Buffer.from(k.pkcs8, "base64"), getAlgorithm(k.alg), false, ["sign"]);
}

function getCaName(chain: number, role: "Root" | "Intermediate"): string {
  return `C=DE,O=certdoctor bench,CN=certdoctor-bench ${CHAIN_KEYS[chain]} ${role} CA ${chain}`;
}

const CA_NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
const ROOT_NOT_AFTER = new Date(Date.UTC(2040, 0, 1));
const INTERMEDIATE_NOT_AFTER = new Date(Date.UTC(2035, 0, 1));

/** Creates the four roots, their intermediates and the leaf key pool. */
export async function createSigningMaterial(): Promise<SigningMaterial> {
  const cas: CaMaterial[] = [];
  for (let chain = 0; chain < CHAIN_KEYS.length; chain++) {
    const alg = CHAIN_KEYS[chain]!;
    const rootKey = await generateKeyMaterial(alg);
    const rootSigner = await importSigningKey(rootKey);
    const rootPublic = new x509.PublicKey(Buffer.from(rootKey.spki, "base64"));
    const rootSki = await x509.SubjectKeyIdentifierExtension.create(rootPublic);
    const root = await x509.X509CertificateGenerator.create({
      serialNumber: `0${chain + 1}`,
      subject: getCaName(chain, "Root"),
      issuer: getCaName(chain, "Root"),
      notBefore: CA_NOT_BEFORE,
      notAfter: ROOT_NOT_AFTER,
      publicKey: rootPublic,
      signingKey: rootSigner,
      signingAlgorithm: getAlgorithm(alg),
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        rootSki,
      ],
    });
    const interKey = await generateKeyMaterial(alg);
    const interPublic = new x509.PublicKey(Buffer.from(interKey.spki, "base64"));
    const inter = await x509.X509CertificateGenerator.create({
      serialNumber: `1${chain + 1}`,
      subject: getCaName(chain, "Intermediate"),
      issuer: root.subject,
      notBefore: CA_NOT_BEFORE,
      notAfter: INTERMEDIATE_NOT_AFTER,
      publicKey: interPublic,
      signingKey: rootSigner,
      signingAlgorithm: getAlgorithm(alg),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(interPublic),
        new x509.AuthorityKeyIdentifierExtension(rootSki.keyId),
      ],
    });
    cas[getRootIndex(chain)] = { ...rootKey, der: Buffer.from(root.rawData).toString("base64") };
    cas[getIntermediateIndex(chain)] = { ...interKey, der: Buffer.from(inter.rawData).toString("base64") };
  }
  const pool: KeyMaterial[] = [];
  for (const alg of LEAF_KEY_POOL) pool.push(await generateKeyMaterial(alg));
  return { cas, pool };
}

interface PreparedIssuer {
  name: string;
  key: CryptoKey;
  alg: KeyAlg;
  aki: x509.AuthorityKeyIdentifierExtension;
}

interface PreparedKey {
  publicKey: x509.PublicKey;
  ski: x509.SubjectKeyIdentifierExtension;
  keyUsage: x509.KeyUsagesExtension;
}

/** Imported keys and precomputed per-key extensions, reused for every leaf a worker signs. */
export interface LeafSigner {
  issuers: PreparedIssuer[];
  keys: PreparedKey[];
}

export async function prepareLeafSigner(material: SigningMaterial): Promise<LeafSigner> {
  const issuers: PreparedIssuer[] = [];
  for (let chain = 0; chain < CHAIN_KEYS.length; chain++) {
    const ca = material.cas[getIntermediateIndex(chain)]!;
    const cert = new x509.X509Certificate(Buffer.from(ca.der, "base64"));
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)!;
    issuers.push({
      name: cert.subject,
      key: await importSigningKey(ca),
      alg: ca.alg,
      aki: new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    });
  }
  const keys: PreparedKey[] = [];
  for (const k of material.pool) {
    const publicKey = new x509.PublicKey(Buffer.from(k.spki, "base64"));
    // RSA keys may encipher (TLS RSA key exchange); EC keys only sign.
    const usage =
      k.alg === "RSA"
        ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
        : x509.KeyUsageFlags.digitalSignature;
    keys.push({
      publicKey,
      ski: await x509.SubjectKeyIdentifierExtension.create(publicKey),
      keyUsage: new x509.KeyUsagesExtension(usage, true),
    });
  }
  return { issuers, keys };
}

const LEAF_BASIC_CONSTRAINTS = new x509.BasicConstraintsExtension(false, undefined, true);

const EKU_OID: Record<string, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
};

/** Signs one leaf with its chain's intermediate; returns the certificate DER. */
export async function signLeaf(spec: LeafSpec, signer: LeafSigner): Promise<Uint8Array> {
  const issuer = signer.issuers[spec.chain]!;
  const key = signer.keys[spec.keySlot]!;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serialHex,
    subject: spec.subject,
    issuer: issuer.name,
    notBefore: new Date(spec.notBefore),
    notAfter: new Date(spec.notAfter),
    publicKey: key.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: getAlgorithm(issuer.alg),
    extensions: [
      LEAF_BASIC_CONSTRAINTS,
      key.keyUsage,
      new x509.ExtendedKeyUsageExtension(spec.eku.map((e) => EKU_OID[e]!)),
      new x509.SubjectAlternativeNameExtension(spec.sans.map((s) => ({ type: s.type, value: s.value }))),
      key.ski,
      issuer.aki,
    ],
  });
  return new Uint8Array(cert.rawData);
}
