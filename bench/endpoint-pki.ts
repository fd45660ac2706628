/**
 * Certificates for the endpoint bench, made at bench time with @peculiar/x509 on Node's webcrypto:
 * one ECDSA P-256 CA, a client CA whose name the servers list in their CertificateRequest, and one
 * distinct leaf per endpoint (own serial, CN, SAN and notAfter, so each probe's answer is checkable).
 */
import "./reflect-shim.js";
import * as x509 from "@peculiar/x509";
import { createHash, webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

export type ServerKeyAlg = "RSA" | "EC";

const RSA_ALG = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const EC_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/** What the parent hands each server child over IPC. The CA key never leaves the bench processes. */
export interface EndpointCaMaterial {
  caDer: string;
  caPkcs8: string;
  clientCaDer: string;
}

export interface ServerLeaf {
  der: Uint8Array;
  /** Lowercase hex SHA-256 of the DER (certdoctor's certificate id). */
  fingerprint: string;
  /** notAfter in whole seconds since the epoch (what blackbox reports as probe_ssl_earliest_cert_expiry). */
  notAfterSeconds: number;
}

export interface ServerPki {
  keyPem: string;
  caPem: string;
  clientCaPem: string;
  leaves: ServerLeaf[];
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function certPem(der: Uint8Array): string {
  return toPem("CERTIFICATE", der);
}

async function selfSigned(name: string, serial: string, notBefore: Date, notAfter: Date): Promise<{ der: Uint8Array; pkcs8: Uint8Array }> {
  const pair = (await subtle.generateKey(EC_ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const publicKey = new x509.PublicKey(new Uint8Array(await subtle.exportKey("spki", pair.publicKey)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey,
    signingKey: pair.privateKey,
    signingAlgorithm: EC_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return { der: new Uint8Array(cert.rawData), pkcs8: new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey)) };
}

/** The serving CA and the client CA, valid around `now`. */
export async function createEndpointCas(now: Date): Promise<EndpointCaMaterial> {
  const from = new Date(now.getTime() - 86_400_000);
  const to = new Date(now.getTime() + 3 * 365 * 86_400_000);
  const ca = await selfSigned("O=certdoctor bench,CN=certdoctor-bench endpoint CA", "0e01", from, to);
  const client = await selfSigned("O=certdoctor bench,CN=certdoctor-bench client CA", "0e02", from, to);
  return { caDer: Buffer.from(ca.der).toString("base64"), caPkcs8: Buffer.from(ca.pkcs8).toString("base64"), clientCaDer: Buffer.from(client.der).toString("base64") };
}

/**
 * One server key (RSA-2048 or P-256, shared by the child's listeners) and `count` leaves numbered from
 * `first`, each valid from a day before `now` until `now` + 200 days + its number in minutes.
 */
export async function issueServerLeaves(cas: EndpointCaMaterial, alg: ServerKeyAlg, first: number, count: number, now: Date): Promise<ServerPki> {
  const caCert = new x509.X509Certificate(Buffer.from(cas.caDer, "base64"));
  const caKey = await subtle.importKey("pkcs8", Buffer.from(cas.caPkcs8, "base64"), EC_ALG, false, ["sign"]);
  const aki = new x509.AuthorityKeyIdentifierExtension(caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
  const pair = (await subtle.generateKey(alg === "RSA" ? RSA_ALG : EC_ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const publicKey = new x509.PublicKey(new Uint8Array(await subtle.exportKey("spki", pair.publicKey)));
  const usage = alg === "RSA" ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const common = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    aki,
  ];
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 86_400_000);
  const baseAfter = Math.floor(now.getTime() / 1000) + 200 * 86_400;
  const leaves: ServerLeaf[] = [];
  for (let i = first; i < first + count; i++) {
    const notAfterSeconds = baseAfter + i * 60;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (0x100000 + i).toString(16),
      subject: `O=certdoctor bench,CN=bench-endpoint-${i}`,
      issuer: caCert.subject,
      notBefore,
      notAfter: new Date(notAfterSeconds * 1000),
      publicKey,
      signingKey: caKey,
      signingAlgorithm: EC_ALG,
      extensions: [...common, new x509.SubjectAlternativeNameExtension([{ type: "dns", value: `bench-endpoint-${i}.local` }, { type: "ip", value: "127.0.0.1" }])],
    });
    const der = new Uint8Array(cert.rawData);
    leaves.push({ der, fingerprint: createHash("sha256").update(der).digest("hex"), notAfterSeconds });
  }
  return {
    keyPem: toPem("PRIVATE KEY", new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey))),
    caPem: certPem(Buffer.from(cas.caDer, "base64")),
    clientCaPem: certPem(Buffer.from(cas.clientCaDer, "base64")),
    leaves,
  };
}
