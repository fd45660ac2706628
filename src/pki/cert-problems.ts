/**
 * Readable violations of DER or RFC 5280 that the certificate parser tolerates (lenient parsing, strict
 * judgement): what each one is, and whether Go's crypto/x509 (every Kubernetes component) refuses to
 * parse such a certificate, with the error Go returns. Codes are stable: they appear in records and findings.
 */
export interface CertProblem {
  /** What is wrong, in one sentence. */
  text: string;
  /** Go's x509.ParseCertificate error when Go refuses the certificate; undefined when Go reads it. */
  goRejects?: string;
  /** Go version range the verdict holds for, when it changed between releases. */
  goNote?: string;
}

export const certProblems: Readonly<Record<string, CertProblem>> = {
  "sig-alg-mismatch": {
    text: "the signature algorithm inside the signed part differs from the one outside it (RFC 5280 4.1.1.2)",
    goRejects: "x509: inner and outer signature algorithm identifiers don't match",
  },
  "duplicate-extension": {
    text: "an extension appears more than once (RFC 5280 4.2); the first occurrence is used",
    goRejects: "x509: certificate contains duplicate extensions",
  },
  "signature-unused-bits": {
    text: "the signature BIT STRING declares unused bits (it must be a whole number of bytes)",
  },
  "signature-padding": {
    text: "the signature BIT STRING declares unused bits that are not zero",
    goRejects: "x509: malformed signature",
  },
  "non-minimal-length": {
    text: "a DER length is not minimally encoded (BER, not DER)",
    goRejects: "x509: malformed certificate",
    goNote: "Go's error names the structure whose length is wrong (e.g. x509: invalid RDNSequence inside a name)",
  },
  "non-der-boolean": {
    text: "a BOOLEAN TRUE is not encoded as 0xff (BER, not DER)",
    goRejects: "x509: malformed extension critical field",
    goNote: "inside basicConstraints Go says x509: invalid basic constraints a",
  },
  "non-minimal-integer": {
    text: "an INTEGER has redundant leading zero bytes (BER, not DER)",
    goRejects: "x509: malformed certificate",
  },
  "negative-serial": {
    text: "the serial number is negative (RFC 5280 4.1.2.2 requires a positive integer)",
    goRejects: "x509: negative serial number",
    goNote: "Go 1.23 and later (GODEBUG x509negativeserial=1 restores it); Go 1.22 and earlier accept it",
  },
  "serial-not-minimal": {
    text: "the serial number INTEGER has a redundant leading 00 or ff byte (BER, not DER)",
    goRejects: "x509: malformed serial number",
  },
  "zero-serial": {
    text: "the serial number is zero (RFC 5280 4.1.2.2 requires a positive integer)",
  },
  "long-serial": {
    text: "the serial number is longer than 20 octets (RFC 5280 4.1.2.2)",
  },
  "ip-san-length": {
    text: "an iPAddress subject alternative name is neither 4 nor 16 bytes long",
    goRejects: "x509: cannot parse IP address of length N",
  },
  "malformed-san": {
    text: "the subjectAltName extension is not a well-formed sequence of names; the names before the damage are kept",
    goRejects: "x509: invalid subject alternative names",
  },
  "malformed-san-name": {
    text: "a name inside the subjectAltName extension is not well-formed; the names before it are kept",
    goRejects: "x509: invalid subject alternative name",
  },
  "nc-ip-length": {
    text: "a nameConstraints iPAddress base is neither 8 nor 32 bytes (an IPv4 or IPv6 address and mask); it is ignored",
    goRejects: "x509: IP constraint contained value of length N",
  },
  "dns-san-not-ia5": {
    text: "a dNSName subject alternative name holds non-ASCII bytes (it must be an IA5String; internationalised names use the xn-- A-label form)",
    goRejects: "x509: SAN dNSName is malformed",
  },
  "email-san-not-ia5": {
    text: "an rfc822Name subject alternative name holds non-ASCII bytes",
    goRejects: "x509: SAN rfc822Name is malformed",
  },
  "uri-san-not-ia5": {
    text: "a uniformResourceIdentifier subject alternative name holds non-ASCII bytes",
    goRejects: "x509: SAN uniformResourceIdentifier is malformed",
  },
  "uri-san-control": {
    text: "a uniformResourceIdentifier subject alternative name contains an ASCII control character (e.g. a NUL), which hides what follows it from some readers",
    goRejects: "x509: cannot parse URI N: parse N: net/url: invalid control character in URL",
  },
  "empty-san": {
    text: "the subjectAltName extension holds no name (RFC 5280 4.2.1.6 requires at least one)",
  },
  "ec-explicit-curve": {
    text: "the EC public key spells out its curve parameters instead of naming the curve (RFC 5480 forbids it); no Go program can use it",
    goRejects: "x509: invalid ECDSA parameters",
  },
  "dsa-params-inherited": {
    text: "the DSA public key has no domain parameters of its own: it inherits them from the issuing CA (RFC 3279 2.3.2), which Go and most TLS stacks do not support",
    goRejects: "x509: invalid DSA parameters",
  },
  "rsa-modulus-not-minimal": {
    text: "the RSA modulus INTEGER has a redundant leading byte (BER, not DER)",
    goRejects: "x509: invalid RSA modulus",
  },
  "rsa-exponent-not-minimal": {
    text: "the RSA public exponent INTEGER has a redundant leading byte (BER, not DER)",
    goRejects: "x509: invalid RSA public exponent",
  },
  "rsa-modulus-not-positive": {
    text: "the RSA modulus is encoded as zero or a negative number (its top bit is set without a leading 00 byte); OpenSSL reads it as unsigned",
    goRejects: "x509: RSA modulus is not a positive number",
  },
  "rsa-exponent-not-positive": {
    text: "the RSA public exponent is encoded as zero or a negative number",
    goRejects: "x509: RSA public exponent is not a positive number",
  },
  "utctime-no-seconds": {
    text: "a UTCTime omits its seconds (BER; RFC 5280 requires YYMMDDHHMMSSZ)",
  },
  "utctime-offset": {
    text: "a UTCTime carries a time-zone offset instead of Z (BER; RFC 5280 requires Z); the time is converted to UTC",
  },
  "utctime-zero-offset": {
    text: "a UTCTime ends in +0000 or -0000 instead of Z (BER; RFC 5280 requires Z)",
    goRejects: "x509: malformed UTCTime",
  },
  "name-string-invalid": {
    text: "a subject or issuer attribute value is not a valid string of its ASN.1 type (invalid UTF-8, a character PrintableString does not allow, a type Go does not read); it is shown escaped",
    goRejects: "x509: invalid RDNSequence: invalid attribute value: N",
  },
  "name-value-high-tag": {
    text: "a subject or issuer attribute value has a tag number above 30 (the multi-byte tag form), which Go's ASN.1 reader cannot read; it is shown as hex",
    goRejects: "x509: invalid RDNSequence: invalid attribute value",
  },
  "ec-curve-unsupported": {
    text: "the EC public key is on a curve Go does not implement (only P-224, P-256, P-384 and P-521)",
    goRejects: "x509: unsupported elliptic curve",
  },
  "ec-point-invalid": {
    text: "the EC public key is not an uncompressed point of its curve's size (compressed or truncated); whether the point is on the curve is not checked",
    goRejects: "x509: failed to unmarshal elliptic curve point",
  },
  "nc-ip-mask": {
    text: "a nameConstraints iPAddress mask is not contiguous (ones, then zeros); the constraint is read up to its first zero bit",
    goRejects: "x509: IP constraint contained invalid mask N",
  },
  "crl-dp-malformed": {
    text: "the cRLDistributionPoints extension is not a SEQUENCE of distribution points",
    goRejects: "x509: invalid CRL distribution points",
  },
  "crl-dp-unreadable": {
    text: "a cRLDistributionPoints entry is not one Go reads: its distributionPoint is a nameRelativeToCRLIssuer (RFC 5280 allows it; Go reads only fullName) or is malformed",
    goRejects: "x509: invalid CRL distribution point",
  },
  "critical-false-encoded": {
    text: "an extension's critical flag is encoded as FALSE, its default (DER omits a default value); Go and OpenSSL read it, pyca/cryptography refuses it",
  },
  "nc-empty": {
    text: "the nameConstraints extension has neither permitted nor excluded subtrees (RFC 5280 4.2.1.10 requires one)",
    goRejects: "x509: empty name constraints extension",
  },
  "aia-malformed": {
    text: "the authorityInfoAccess extension is not a well-formed sequence of access descriptions",
    goRejects: "x509: invalid authority info access",
  },
  "unknown-version": {
    text: "the version field is neither v1, v2 nor v3",
    goRejects: "x509: invalid version",
  },
  "extensions-before-v3": {
    text: "a v1 or v2 certificate carries extensions (only v3 may); Go ignores them, so it sees no basicConstraints",
  },
};

/** A record's problem entry is `code` or `code:detail` (e.g. `ip-san-length:3`). */
export function splitProblem(entry: string): { code: string; detail?: string } {
  const at = entry.indexOf(":");
  return at < 0 ? { code: entry } : { code: entry.slice(0, at), detail: entry.slice(at + 1) };
}

/** Go's exact ParseCertificate error for a problem entry, or undefined when Go reads such certificates. */
export function goParseError(entry: string): string | undefined {
  const { code, detail } = splitProblem(entry);
  const p = certProblems[code];
  if (p?.goRejects === undefined) return undefined;
  return detail === undefined ? p.goRejects : p.goRejects.replaceAll(" N", ` ${detail}`);
}

/** The first problem Go refuses to parse, in parse order, when there is one. */
export function firstGoParseError(problems: readonly string[] | undefined): string | undefined {
  for (const entry of problems ?? []) {
    const err = goParseError(entry);
    if (err !== undefined) return err;
  }
  return undefined;
}
