import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const ANCHOR_NAME = /^(?:ca|rootca|root-ca|cacert|ca-bundle|ca-certificates|tls-ca-bundle|trusted-ca)\.(?:crt|pem|cer|cert)$|[-_.]ca\.(?:crt|pem|cer|cert)$/i;
const CERT_SUFFIXES = [".crt", ".pem", ".cer", ".cert"];
const KEY_PATTERNS: Array<(stem: string) => string> = [(s) => `${s}.key`, (s) => `${s}-key.pem`, (s) => `${s}.key.pem`, (s) => `${s}_key.pem`];
const KEY_NAME = /^(.+?)(?:\.key|-key\.pem|\.key\.pem|_key\.pem)$/;

/** ca.crt, ca.pem, rootCA.crt, front-proxy-ca.crt, ca-bundle.crt, ca-certificates.crt ... */
export function isAnchorFileName(path: string): boolean {
  return ANCHOR_NAME.test(basename(path));
}

/**
 * Stem pairing within one directory: X.crt|X.pem|X.cer|X.cert with X.key|X-key.pem|X.key.pem|X_key.pem
 * gives `pair:/dir/X`, but only when the partner file exists, so a lone cert or key has no pair.
 */
export function stemPairId(path: string): string | undefined {
  const dir = dirname(path);
  const name = basename(path);
  const keyMatch = KEY_NAME.exec(name);
  if (keyMatch !== null) {
    const stem = keyMatch[1]!;
    return CERT_SUFFIXES.some((s) => existsSync(join(dir, stem + s))) ? `pair:${join(dir, stem)}` : undefined;
  }
  const suffix = CERT_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix === undefined) return undefined;
  const stem = name.slice(0, -suffix.length);
  return KEY_PATTERNS.some((p) => existsSync(join(dir, p(stem)))) ? `pair:${join(dir, stem)}` : undefined;
}

/** Extensions of files that are supposed to hold certificates: broken content there is reported. */
export function hasCertExtension(path: string): boolean {
  return /\.(?:crt|cer|cert|der|pem|p12|pfx)$/i.test(path);
}

/** Extensions of text configuration files. */
export function hasTextConfigExtension(path: string): boolean {
  return /\.(?:ya?ml|json|conf|kubeconfig)$/i.test(path);
}
