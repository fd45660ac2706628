import { keyFitsSpki } from "../model/cert.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, InventoryKey } from "../model/inventory.js";
import { makeFinding, type Rule } from "./rule.js";
import { nameCert } from "./support/describe.js";

export const keyMismatch: Rule = {
  id: "key-mismatch",
  severity: "critical",
  title: "Certificate and private key do not belong together",
  explain: `A certificate and the private key stored next to it — \`tls.crt\`/\`tls.key\` in one Secret, a kubeconfig
user's client certificate and key, \`X.crt\`/\`X.key\` or \`X.pem\`/\`X-key.pem\` files, a PEM file holding both —
have different public keys. The process that loads them fails to start (\`tls: private key does not match
public key\`), or, if it is already running with the old pair, it will fail at the next restart.
Only key fingerprints are compared and shown; key material never leaves the process.

**Fix:** find the key that belongs to the certificate (or the certificate that belongs to the key, e.g. in a
backup) and store them together; otherwise re-issue the certificate for the key that is there.`,
  check(inv) {
    const certsByPair = new Map<string, InventoryCert[]>();
    for (const cert of inv.certs) {
      for (const loc of cert.locations) {
        if (loc.pair === undefined || loc.backup) continue;
        const list = certsByPair.get(loc.pair);
        if (!list) certsByPair.set(loc.pair, [cert]);
        else if (!list.includes(cert)) list.push(cert);
      }
    }
    const out: Finding[] = [];
    for (const key of inv.keys) {
      if (key.location.pair === undefined || key.location.backup || key.key.spkiFingerprint === undefined) continue;
      for (const cert of certsByPair.get(key.location.pair) ?? []) {
        if (keyFitsSpki(key.key, cert.record.spkiFingerprint)) continue;
        out.push(mismatch(this, cert, key));
      }
    }
    return out;
  },
};

function mismatch(rule: Rule, cert: InventoryCert, key: InventoryKey): Finding {
  const certRef = cert.locations.find((l) => l.pair === key.location.pair)?.ref ?? cert.locations[0]!.ref;
  return makeFinding(rule, {
    title: `Key does not match certificate: ${cert.record.subject}`,
    detail: `The private key at ${key.location.ref} (public key sha256 ${key.key.spkiFingerprint!.slice(0, 16)}…) does not belong to the ${nameCert(cert)} at ${certRef} (public key sha256 ${cert.record.spkiFingerprint.slice(0, 16)}…). A TLS server or client loading this pair fails with "tls: private key does not match public key".`,
    remediation: `Put the matching key next to ${certRef} (compare with: openssl x509 -noout -pubkey -in CERT | openssl sha256 and openssl pkey -pubout -in KEY | openssl sha256), or re-issue the certificate for the key at ${key.location.ref}. Keep a backup of both files before replacing either.`,
    certificates: [cert.record.fingerprint],
    locations: [certRef, key.location.ref],
  });
}
