/**
 * Parsers for the server handshake messages a capture reads (RFC 8446 §4, RFC 5246 §7.4): ServerHello,
 * Certificate and CertificateRequest in their TLS 1.3 and 1.2 forms. Hostile input: every length goes
 * through TlsReader, counts are capped, and anything malformed throws MalformedTls.
 */
import { MAX_CA_NAMES } from "../handshake.js";
import { MalformedTls, TlsReader } from "./reader.js";

export const HS_SERVER_HELLO = 2;
export const HS_ENCRYPTED_EXTENSIONS = 8;
export const HS_CERTIFICATE = 11;
export const HS_SERVER_KEY_EXCHANGE = 12;
export const HS_CERTIFICATE_REQUEST = 13;
export const HS_SERVER_HELLO_DONE = 14;

const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_KEY_SHARE = 0x0033;
const EXT_CERTIFICATE_AUTHORITIES = 0x002f;

// SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM = Buffer.from("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "hex");

export interface ServerHello {
  /** 0x0304 from supported_versions, else legacy_version. */
  version: number;
  cipherSuite: number;
  helloRetryRequest: boolean;
  keyShare?: { group: number; key: Uint8Array };
  /** A HelloRetryRequest's selected group (its key_share is just the group). */
  retryGroup?: number;
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new TlsReader(body, "ServerHello");
  const legacyVersion = r.u16();
  const random = r.take(32);
  r.vec(1, "ServerHello session id");
  const cipherSuite = r.u16();
  if (r.u8() !== 0) throw new MalformedTls("ServerHello compression method");
  const out: ServerHello = { version: legacyVersion, cipherSuite, helloRetryRequest: HRR_RANDOM.equals(random) };
  if (r.atEnd) return out;
  const exts = r.vec(2, "ServerHello extensions");
  r.end();
  while (!exts.atEnd) {
    const type = exts.u16();
    const data = exts.vec(2, "ServerHello extension");
    if (type === EXT_SUPPORTED_VERSIONS) {
      out.version = data.u16();
      data.end();
    } else if (type === EXT_KEY_SHARE) {
      const group = data.u16();
      if (out.helloRetryRequest) out.retryGroup = group;
      else {
        const key = data.vec(2, "key_share");
        out.keyShare = { group, key: key.take(key.remaining) };
      }
      data.end();
    }
  }
  return out;
}

/** A TLS 1.3 Certificate (context, then entries of cert_data + extensions): the DER certificates, at most `max`. */
export function parseCertificate13(body: Uint8Array, max: number): Uint8Array[] {
  const r = new TlsReader(body, "Certificate");
  r.vec(1, "certificate_request_context");
  const list = r.vec(3, "certificate_list");
  r.end();
  const out: Uint8Array[] = [];
  while (!list.atEnd) {
    const der = list.vec(3, "cert_data");
    list.vec(2, "CertificateEntry extensions");
    if (der.remaining === 0) throw new MalformedTls("empty cert_data");
    if (out.length < max) out.push(Uint8Array.from(der.take(der.remaining)));
  }
  return out;
}

/** A TLS 1.2 Certificate (a list of DER certificates), at most `max`. */
export function parseCertificate12(body: Uint8Array, max: number): Uint8Array[] {
  const r = new TlsReader(body, "Certificate");
  const list = r.vec(3, "certificate_list");
  r.end();
  const out: Uint8Array[] = [];
  while (!list.atEnd) {
    const der = list.vec(3, "ASN.1Cert");
    if (der.remaining === 0) throw new MalformedTls("empty certificate");
    if (out.length < max) out.push(Uint8Array.from(der.take(der.remaining)));
  }
  return out;
}

function readDistinguishedNames(list: TlsReader): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (!list.atEnd) {
    const name = list.vec(2, "DistinguishedName");
    if (name.remaining === 0) throw new MalformedTls("empty DistinguishedName");
    if (out.length < MAX_CA_NAMES) out.push(Uint8Array.from(name.take(name.remaining)));
  }
  return out;
}

/** A TLS 1.3 CertificateRequest: the certificate_authorities names, [] when it lists none. */
export function parseCertificateRequest13(body: Uint8Array): Uint8Array[] {
  const r = new TlsReader(body, "CertificateRequest");
  r.vec(1, "certificate_request_context");
  const exts = r.vec(2, "CertificateRequest extensions");
  r.end();
  let names: Uint8Array[] = [];
  while (!exts.atEnd) {
    const type = exts.u16();
    const data = exts.vec(2, "CertificateRequest extension");
    if (type === EXT_CERTIFICATE_AUTHORITIES) {
      names = readDistinguishedNames(data.vec(2, "certificate_authorities"));
      data.end();
    }
  }
  return names;
}

/** A TLS 1.2 CertificateRequest: types, signature algorithms, then the CA names. */
export function parseCertificateRequest12(body: Uint8Array): Uint8Array[] {
  const r = new TlsReader(body, "CertificateRequest");
  r.vec(1, "certificate_types");
  r.vec(2, "supported_signature_algorithms");
  const names = readDistinguishedNames(r.vec(2, "certificate_authorities"));
  r.end();
  return names;
}
