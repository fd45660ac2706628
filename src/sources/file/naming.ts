import { basename, dirname, join } from "node:path";

const ANCHOR_NAME = /^(?:ca|rootca|root-ca|cacert|ca-bundle|ca-certificates|tls-ca-bundle|trusted-ca)\.(?:crt|pem|cer|cert)$|[-_.]ca\.(?:crt|pem|cer|cert)$/i;
const CERT_SUFFIXES = [".crt", ".pem", ".cer", ".cert"];
const KEY_NAME = /^(.+?)(?:\.key|-key\.pem|\.key\.pem|_key\.pem)$/;

/** ca.crt, ca.pem, rootCA.crt, front-proxy-ca.crt, ca-bundle.crt, ca-certificates.crt ... */
export function isAnchorFileName(path: string): boolean {
  return ANCHOR_NAME.test(basename(path));
}

/**
 * Stem pairing within one directory: X.crt|X.pem|X.cer|X.cert with X.key|X-key.pem|X.key.pem|X_key.pem
 * gives `pair:/dir/X`. A lone cert or key carries the id too; with no partner it pairs with nothing.
 * (No file-system look-up: this runs for every file of a scan.)
 */
export function stemPairId(path: string): string | undefined {
  const dir = dirname(path);
  const name = basename(path);
  const keyMatch = KEY_NAME.exec(name);
  if (keyMatch !== null) return `pair:${join(dir, keyMatch[1]!)}`;
  const suffix = CERT_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix === undefined) return undefined;
  return `pair:${join(dir, name.slice(0, -suffix.length))}`;
}

/** Extensions of files that are supposed to hold certificates: broken content there is reported. */
export function hasCertExtension(path: string): boolean {
  return /\.(?:crt|cer|cert|der|pem|p12|pfx)$/i.test(path);
}

/** Extensions of text configuration files. */
export function hasTextConfigExtension(path: string): boolean {
  return /\.(?:ya?ml|json|conf|kubeconfig)$/i.test(path);
}
