/** Secret/ConfigMap keys that designate trust anchors: ca.crt, ca.pem, ca-bundle.crt, cadata, rootCA.crt, client-ca.crt, caBundle ... */
const ANCHOR_KEY = /(?:^|[-_.])(?:ca|rootca|cacert|cabundle|ca-bundle|cadata|trusted-ca)(?:[-_.]|$)/i;

export function isAnchorKey(key: string): boolean {
  return ANCHOR_KEY.test(key);
}

/** Stem of a key-material key: X.key, X-key.pem, X.key.pem, X_key.pem, Xkeydata. */
export function keyStem(key: string): string | undefined {
  const m = /^(.+?)(?:\.key|-key\.pem|\.key\.pem|_key\.pem|keydata)$/.exec(key);
  return m?.[1];
}

/** Stem of a certificate key: X.crt, X.pem, X.cer, X.cert, Xdata (KubeEdge cadata / cloudcoredata). */
export function certStem(key: string): string | undefined {
  if (keyStem(key) !== undefined) return undefined;
  const m = /^(.+?)(?:\.crt|\.pem|\.cer|\.cert|data)$/.exec(key);
  return m?.[1];
}

/** Stems that have both a certificate key and a key-material key in the same object. */
export function pairedStems(keys: string[]): Set<string> {
  const certs = new Set(keys.map(certStem).filter((s): s is string => s !== undefined));
  return new Set(keys.map(keyStem).filter((s): s is string => s !== undefined && certs.has(s)));
}
