/** Public data extracted from one X.509 certificate. Holds no parser objects and no private material. */
export interface CertRecord {
  /** Lowercase hex SHA-256 of the certificate DER, no colons. The inventory id. */
  fingerprint: string;
  /** 1-based X.509 version (1 or 3 in practice). */
  version: number;
  /** Lowercase hex of the serial number's content octets, leading zero bytes kept as encoded. */
  serialNumber: string;
  /** RFC 4514 display form, most significant RDN first as `openssl -nameopt RFC2253` prints it, e.g. `CN=kube-apiserver,O=kubeadm`. */
  subject: string;
  issuer: string;
  /** Lowercase hex of the DER Name bytes; equality means "same name" for chain building. */
  subjectDer: string;
  issuerDer: string;
  /** Milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  isCA: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  pathLength?: number;
  /** e.g. ["digitalSignature", "keyEncipherment", "keyCertSign"]. */
  keyUsage: string[];
  /** Names for well-known OIDs ("serverAuth", "clientAuth", ...), dotted OID otherwise. */
  extKeyUsage: string[];
  dnsNames: string[];
  /** Textual IPv4/IPv6 addresses (IPv6 in compressed form, lowercase). */
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  keyType: KeyType;
  /** RSA modulus bits, EC curve bits (256 for P-256), 255/448 for Ed25519/Ed448. 0 when unknown. */
  keySize: number;
  /** EC named curve ("P-256", "P-384", "P-521") when keyType is "EC". */
  curve?: string;
  /** OpenSSL-style name: "sha256WithRSAEncryption", "ecdsa-with-SHA256", "ED25519", "rsassaPss" ...; dotted OID when unknown. */
  signatureAlgorithm: string;
  /** Lowercase hex, no colons. */
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER: matches a private key to its certificate. */
  spkiFingerprint: string;
  /** Subject and issuer names are byte-identical. Does not imply a valid self-signature. */
  selfIssued: boolean;
  /** basicConstraints is present (Go's BasicConstraintsValid). Only set when true, to keep records small. */
  hasBasicConstraints?: true;
  /** A subjectAltName extension is present (Go's hasSANExtension), whatever names it holds. */
  hasSan?: true;
  /** nameConstraints (RFC 5280 4.2.1.10), when present. */
  nameConstraints?: NameConstraints;
  /** Dotted OIDs of critical extensions Go's crypto/x509 does not handle: Verify fails with "x509: unhandled critical extension". */
  unhandledCritical?: string[];
  /** Readable violations of DER or RFC 5280 the parser tolerated (codes of pki/cert-problems.ts). */
  problems?: string[];
}

/** Name constraints as Go's crypto/x509 reads them; IP ranges in CIDR form ("10.0.0.0/8"). */
export interface NameConstraints {
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: string[];
  excludedIp: string[];
  permittedEmail: string[];
  excludedEmail: string[];
  permittedUri: string[];
  excludedUri: string[];
}

export type KeyType = "RSA" | "EC" | "Ed25519" | "Ed448" | "DSA" | "unknown";

/**
 * What signature verification needs besides the record. Kept only while the trust graph is built,
 * never stored or sent to output.
 */
export interface CertMaterial {
  /** The exact tbsCertificate DER bytes that were signed. */
  tbs: Uint8Array;
  /** The signatureValue BIT STRING contents (unused-bits byte stripped). */
  signature: Uint8Array;
  /** The whole SubjectPublicKeyInfo DER, to build a verification key when this cert is an issuer. */
  spki: Uint8Array;
  /** OID of the outer signatureAlgorithm. */
  signatureOid: string;
  /** DER of the signatureAlgorithm parameters (needed for RSA-PSS), when present and not NULL. */
  signatureParams?: Uint8Array;
}

/** A parsed certificate plus the bytes verification needs. */
export interface ParsedCert {
  record: CertRecord;
  material: CertMaterial;
}

/** Public facts about a private key. Never holds key bytes. */
export interface KeyInfo {
  /** Encrypted keys cannot be matched without their passphrase; that is reported, not an error. */
  encrypted: boolean;
  keyType: KeyType;
  keySize: number;
  /** Lowercase hex SHA-256 of the matching public key's SPKI DER; absent when encrypted. */
  spkiFingerprint?: string;
  /**
   * DSA only: the SHA-256 of the same SPKI with the domain parameters left out — how a certificate whose key
   * inherits its parameters from the issuing CA (RFC 3279 2.3.2) carries this key.
   */
  inheritedParametersSpkiFingerprint?: string;
}

/** The key is the certificate's: its SPKI, or (DSA) its SPKI without the parameters the certificate inherits. */
export function keyFitsSpki(key: KeyInfo, certSpkiFingerprint: string): boolean {
  return key.spkiFingerprint === certSpkiFingerprint || (key.inheritedParametersSpkiFingerprint !== undefined && key.inheritedParametersSpkiFingerprint === certSpkiFingerprint);
}

/** Every SPKI fingerprint a certificate holding this key can carry. */
export function spkiFingerprintsOf(key: KeyInfo): string[] {
  return [key.spkiFingerprint, key.inheritedParametersSpkiFingerprint].filter((s): s is string => s !== undefined);
}

/** Public facts about a PKCS#10 certificate signing request. */
export interface CsrInfo {
  subject: string;
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  keyType: KeyType;
  keySize: number;
  /** EC named curve ("P-256", "P-384", "P-521", or OpenSSL's name for others) when keyType is "EC". */
  curve?: string;
  spkiFingerprint: string;
  signatureAlgorithm: string;
  /** The CSR's self-signature checks out. */
  signatureValid: boolean;
}
