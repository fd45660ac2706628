/** Which finding rules a re-issue of the certificate fixes (as opposed to trust or rotation problems). */
export const RENEW_RULES: ReadonlySet<string> = new Set(["cert-expiring", "cert-expired", "key-mismatch", "hostname-mismatch", "weak-crypto"]);
