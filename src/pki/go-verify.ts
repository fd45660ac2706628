/**
 * A reproduction of Go's crypto/x509 Certificate.Verify (the Go 1.22+ algorithm; the differences from
 * earlier releases are noted where they change a verdict) over already-parsed records: the same
 * candidate order, chain building, per-certificate checks, extended-key-usage nesting and exact error
 * strings, so a finding can quote what the Kubernetes component will log. Signature checks come from the
 * caller (the trust graph verified them once per pair); nothing here touches keys. Pure.
 */
import type { CertRecord } from "../model/cert.js";
import { goCheckNameConstraints } from "./go-name-constraints.js";
import { goVerifyHostname } from "./go-hostname.js";
import { goQuote, goSubjectNames, goTime } from "./go-names.js";
import { serialToDecimal } from "./x509.js";

/** Extended key usages a verifier asks for; "any" is x509.ExtKeyUsageAny. */
export type GoKeyUsage = "serverAuth" | "clientAuth" | "any";

export type GoFailure =
  | "expired"
  | "not-yet-valid"
  | "unknown-authority"
  | "not-authorized-to-sign"
  | "too-many-intermediates"
  | "incompatible-usage"
  | "name-constraints"
  | "unhandled-critical-extension"
  | "hostname"
  | "signature-check-limit";

export interface GoVerifyError<C> {
  reason: GoFailure;
  /** Go's err.Error(), exactly. */
  message: string;
  /** The certificate the error is about (the leaf for unknown authority, usage and hostname errors). */
  cert: C;
  /** For unknown authority: the candidate issuer Go mentions in its parenthetical, when any. */
  hintCert?: C;
}

export interface GoVerifyOptions<C extends { record: CertRecord }> {
  /** opts.Roots. */
  roots: readonly C[];
  /** opts.Intermediates: what the peer sent besides its leaf, or the bundle the component loaded. */
  intermediates: readonly C[];
  /** opts.CurrentTime, ms since the epoch. */
  now: number;
  /** opts.DNSName; checked against the leaf's SANs only (never the CN). */
  dnsName?: string;
  /** opts.KeyUsages; empty means serverAuth, as in Go. */
  keyUsages: readonly GoKeyUsage[];
  /** Whether `child`'s signature verifies with `parent`'s public key. */
  signatureVerifies(child: C, parent: C): boolean;
}

export type GoVerifyResult<C> = { ok: true; chains: C[][] } | { ok: false; error: GoVerifyError<C> };

const MAX_SIGNATURE_CHECKS = 100;
const ANY_EKU = "2.5.29.37.0";
const LEAF = 0;
const INTERMEDIATE = 1;
const ROOT = 2;

export function goVerify<C extends { record: CertRecord }>(leaf: C, opts: GoVerifyOptions<C>): GoVerifyResult<C> {
  const leafErr = isValid(leaf, LEAF, [], opts);
  if (leafErr !== undefined) return { ok: false, error: leafErr };
  if (opts.dnsName !== undefined && opts.dnsName !== "") {
    const message = goVerifyHostname(leaf.record, opts.dnsName);
    if (message !== undefined) return { ok: false, error: { reason: "hostname", message, cert: leaf } };
  }
  let candidates: C[][];
  if (opts.roots.some((r) => r.record.fingerprint === leaf.record.fingerprint)) {
    candidates = [[leaf]];
  } else {
    const built = buildChains(leaf, [leaf], { count: 0 }, pools(opts), opts);
    if ("error" in built) return { ok: false, error: built.error };
    candidates = built.chains;
  }
  const usages = opts.keyUsages.length === 0 ? (["serverAuth"] as const) : opts.keyUsages;
  if (usages.includes("any")) return { ok: true, chains: candidates };
  const chains = candidates.filter((chain) => chainAllowsUsage(chain, usages));
  if (chains.length === 0) {
    return { ok: false, error: { reason: "incompatible-usage", message: "x509: certificate specifies an incompatible key usage", cert: leaf } };
  }
  return { ok: true, chains };
}

interface Pools<C> {
  roots: C[];
  intermediates: C[];
}

/** CertPool.AddCert keeps one copy of each certificate. */
function pools<C extends { record: CertRecord }>(opts: GoVerifyOptions<C>): Pools<C> {
  const dedupe = (list: readonly C[]): C[] => {
    const seen = new Set<string>();
    return list.filter((c) => !seen.has(c.record.fingerprint) && seen.add(c.record.fingerprint) !== undefined);
  };
  return { roots: dedupe(opts.roots), intermediates: dedupe(opts.intermediates) };
}

type Built<C> = { chains: C[][] } | { error: GoVerifyError<C> };

/**
 * buildChains: roots first, then intermediates, each ordered as findPotentialParents orders them. As in
 * Go, the last error from a candidate that passed its signature check wins when no chain is found
 * (an expired intermediate yields the expiry error, not "unknown authority").
 */
function buildChains<C extends { record: CertRecord }>(
  cert: C,
  chain: C[],
  sigChecks: { count: number },
  pool: Pools<C>,
  opts: GoVerifyOptions<C>,
): Built<C> {
  const chains: C[][] = [];
  let err: GoVerifyError<C> | undefined;
  let hint: { message: string; cert: C } | undefined;
  const consider = (type: number, candidate: C): void => {
    if (isAlreadyInChain(candidate, chain)) return;
    if (++sigChecks.count > MAX_SIGNATURE_CHECKS) {
      err = { reason: "signature-check-limit", message: "x509: signature check attempts limit reached while verifying certificate chain", cert };
      return;
    }
    const sigErr = checkSignatureFrom(cert, candidate, opts);
    if (sigErr !== undefined) {
      hint ??= { message: sigErr, cert: candidate };
      return;
    }
    err = isValid(candidate, type, chain, opts);
    if (err !== undefined) {
      hint ??= { message: err.message, cert: candidate }; // Go 1.20+
      return;
    }
    if (type === ROOT) {
      chains.push([...chain, candidate]);
      return;
    }
    const deeper = buildChains(candidate, [...chain, candidate], sigChecks, pool, opts);
    if ("error" in deeper) err = deeper.error;
    else {
      err = undefined;
      chains.push(...deeper.chains);
    }
  };
  for (const root of potentialParents(cert, pool.roots)) consider(ROOT, root);
  for (const intermediate of potentialParents(cert, pool.intermediates)) consider(INTERMEDIATE, intermediate);
  if (chains.length > 0) return { chains };
  if (err !== undefined) return { error: err };
  let message = "x509: certificate signed by unknown authority";
  if (hint !== undefined) message += ` (possibly because of ${goQuote(hint.message)} while trying to verify candidate authority certificate ${goQuote(hintName(hint.cert.record))})`;
  const error: GoVerifyError<C> = { reason: "unknown-authority", message, cert };
  if (hint !== undefined) error.hintCert = hint.cert;
  return { error };
}

/** Same-name candidates: key ids equal (both absent counts), then one of them absent, then different. */
function potentialParents<C extends { record: CertRecord }>(child: C, pool: readonly C[]): C[] {
  const matching: C[] = [];
  const oneMissing: C[] = [];
  const mismatch: C[] = [];
  const aki = child.record.authorityKeyId ?? "";
  for (const c of pool) {
    if (c.record.subjectDer !== child.record.issuerDer) continue;
    const ski = c.record.subjectKeyId ?? "";
    if (ski === aki) matching.push(c);
    else if (ski === "" || aki === "") oneMissing.push(c);
    else mismatch.push(c);
  }
  return [...matching, ...oneMissing, ...mismatch];
}

/** Same subject, same key and same SAN as a certificate already in the chain (stops cross-signature loops). */
function isAlreadyInChain<C extends { record: CertRecord }>(candidate: C, chain: readonly C[]): boolean {
  const r = candidate.record;
  return chain.some((c) => {
    const o = c.record;
    if (o.subjectDer !== r.subjectDer || o.spkiFingerprint !== r.spkiFingerprint) return false;
    if (!o.hasSan && !r.hasSan) return true;
    if (!o.hasSan || !r.hasSan) return false;
    return sanKey(o) === sanKey(r);
  });
}

function sanKey(r: CertRecord): string {
  return [r.dnsNames.join(","), r.ipAddresses.join(","), r.emailAddresses.join(","), r.uris.join(",")].join("|");
}

function isValid<C extends { record: CertRecord }>(c: C, type: number, chain: readonly C[], opts: GoVerifyOptions<C>): GoVerifyError<C> | undefined {
  const r = c.record;
  if (r.unhandledCritical !== undefined && r.unhandledCritical.length > 0) {
    return { reason: "unhandled-critical-extension", message: "x509: unhandled critical extension", cert: c };
  }
  if (opts.now < r.notBefore) {
    return { reason: "not-yet-valid", message: `x509: certificate has expired or is not yet valid: current time ${goTime(opts.now)} is before ${goTime(r.notBefore)}`, cert: c };
  }
  if (opts.now > r.notAfter) {
    return { reason: "expired", message: `x509: certificate has expired or is not yet valid: current time ${goTime(opts.now)} is after ${goTime(r.notAfter)}`, cert: c };
  }
  if (type !== LEAF && r.nameConstraints !== undefined) {
    const message = goCheckNameConstraints(r.nameConstraints, chain.map((x) => x.record));
    if (message !== undefined) return { reason: "name-constraints", message, cert: c };
  }
  if (type === INTERMEDIATE && (!r.hasBasicConstraints || !r.isCA)) {
    return { reason: "not-authorized-to-sign", message: "x509: certificate is not authorized to sign other certificates", cert: c };
  }
  if (r.hasBasicConstraints && r.pathLength !== undefined && chain.length - 1 > r.pathLength) {
    return { reason: "too-many-intermediates", message: "x509: too many intermediates for path length constraint", cert: c };
  }
  return undefined;
}

const CONSTRAINT_VIOLATION = "x509: invalid signature: parent certificate cannot sign this kind of certificate";
const UNSUPPORTED = "x509: cannot verify signature: algorithm unimplemented";

/** Go's signature algorithms by OpenSSL name: Go's name, the key type it needs, and whether Go refuses it as insecure. */
const GO_SIGNATURE: Readonly<Record<string, { name: string; key: "RSA" | "ECDSA" | "Ed25519" | "DSA"; insecure?: boolean }>> = {
  md5WithRSAEncryption: { name: "MD5-RSA", key: "RSA", insecure: true },
  sha1WithRSAEncryption: { name: "SHA1-RSA", key: "RSA", insecure: true },
  sha1WithRSA: { name: "SHA1-RSA", key: "RSA", insecure: true },
  sha256WithRSAEncryption: { name: "SHA256-RSA", key: "RSA" },
  sha384WithRSAEncryption: { name: "SHA384-RSA", key: "RSA" },
  sha512WithRSAEncryption: { name: "SHA512-RSA", key: "RSA" },
  rsassaPss: { name: "SHA256-RSAPSS", key: "RSA" },
  dsaWithSHA1: { name: "DSA-SHA1", key: "DSA", insecure: true },
  dsa_with_SHA256: { name: "DSA-SHA256", key: "DSA" },
  "ecdsa-with-SHA1": { name: "ECDSA-SHA1", key: "ECDSA", insecure: true },
  "ecdsa-with-SHA256": { name: "ECDSA-SHA256", key: "ECDSA" },
  "ecdsa-with-SHA384": { name: "ECDSA-SHA384", key: "ECDSA" },
  "ecdsa-with-SHA512": { name: "ECDSA-SHA512", key: "ECDSA" },
  ED25519: { name: "Ed25519", key: "Ed25519" },
};

const GO_KEY_TYPE: Readonly<Record<string, { algo: string; type: string }>> = {
  RSA: { algo: "RSA", type: "*rsa.PublicKey" },
  EC: { algo: "ECDSA", type: "*ecdsa.PublicKey" },
  Ed25519: { algo: "Ed25519", type: "ed25519.PublicKey" },
  DSA: { algo: "DSA", type: "*dsa.PublicKey" },
};

/** Certificate.CheckSignatureFrom: the parent must be allowed to sign, then the algorithm, then the signature. */
function checkSignatureFrom<C extends { record: CertRecord }>(child: C, parent: C, opts: GoVerifyOptions<C>): string | undefined {
  const p = parent.record;
  if ((p.version === 3 && !p.hasBasicConstraints) || (p.hasBasicConstraints && !p.isCA)) return CONSTRAINT_VIOLATION;
  if (p.keyUsage.length > 0 && !p.keyUsage.includes("keyCertSign")) return CONSTRAINT_VIOLATION;
  const key = GO_KEY_TYPE[p.keyType];
  if (key === undefined) return UNSUPPORTED;
  const alg = GO_SIGNATURE[child.record.signatureAlgorithm];
  if (alg === undefined) return UNSUPPORTED;
  if (alg.insecure) {
    const override = alg.name === "SHA1-RSA" || alg.name === "ECDSA-SHA1" ? " (temporarily override with GODEBUG=x509sha1=1)" : "";
    return `x509: cannot verify signature: insecure algorithm ${alg.name}${override}`;
  }
  if (key.algo === "DSA") return UNSUPPORTED;
  if (alg.key !== key.algo) return `x509: signature algorithm specifies an ${alg.key} public key, but have public key of type ${key.type}`;
  if (opts.signatureVerifies(child, parent)) return undefined;
  if (alg.key === "RSA") return "crypto/rsa: verification error";
  return alg.key === "ECDSA" ? "x509: ECDSA verification failure" : "x509: Ed25519 verification failure";
}

/**
 * checkChainForKeyUsage: walking from the root down, every certificate that lists extended key usages
 * (without anyExtendedKeyUsage) crosses out the requested usages it does not list; the chain fails when
 * none is left.
 */
function chainAllowsUsage<C extends { record: CertRecord }>(chain: readonly C[], usages: readonly GoKeyUsage[]): boolean {
  const remaining = new Set<string>(usages);
  for (let i = chain.length - 1; i >= 0; i--) {
    const eku = chain[i]!.record.extKeyUsage;
    if (eku.length === 0 || eku.includes(ANY_EKU)) continue;
    for (const u of [...remaining]) if (!eku.includes(u)) remaining.delete(u);
    if (remaining.size === 0) return false;
  }
  return true;
}

/** The name Go's UnknownAuthorityError gives a candidate: its CN, else its first O, else `serial:N`. */
function hintName(r: CertRecord): string {
  const names = goSubjectNames(r.subjectDer);
  if (names.commonName !== "") return names.commonName;
  if (names.organization !== undefined) return names.organization;
  return `serial:${serialToDecimal(r.serialNumber)}`;
}
