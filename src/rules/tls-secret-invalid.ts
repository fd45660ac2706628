import { parseRef, valueKeyOf } from "../model/ref.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, InventoryKey } from "../model/inventory.js";
import { certManagerOwner, managedNote, secretValueCerts } from "./support/kube.js";
import { makeFinding, type Rule, type RuleContext } from "./rule.js";

export const tlsSecretInvalid: Rule = {
  id: "tls-secret-invalid",
  severity: "critical",
  title: "TLS Secret cannot be used as stored",
  explain: `A \`kubernetes.io/tls\`-style Secret (\`tls.crt\`, \`tls.key\`, optional \`ca.crt\`) that ingress controllers,
webhooks and operators load as is, but which does not hold together:
- its \`ca.crt\` does not verify \`tls.crt\` at all (a CA from another PKI; clients configured with that \`ca.crt\`
  fail with \`x509: certificate signed by unknown authority\`). When \`ca.crt\` holds a CA of the right name but
  the wrong key, \`chain-untrusted\` reports it instead;
- \`tls.key\` is encrypted (nothing that reads TLS Secrets can decrypt it: \`tls: failed to parse private key\`);
- \`tls.crt\` starts with a CA certificate instead of the leaf (servers present the CA as their own
  certificate; ingress-nginx falls back to its fake certificate).
A \`tls.crt\`/\`tls.key\` pair that does not match is reported by \`key-mismatch\`.

**Fix:** re-create the Secret from matching files: \`kubectl create secret tls NAME --cert=leaf-then-chain.pem
--key=unencrypted.key\` (decrypt with \`openssl pkey -in enc.key -out key.pem\`), and put the CA that issued the
leaf in \`ca.crt\`. For cert-manager-managed Secrets fix the Certificate/Issuer and let it re-issue.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    const encryptedKeys = new Map<string, InventoryKey[]>(); // context -> encrypted tls.key entries
    for (const key of inv.keys) {
      if (!key.key.encrypted || !isSecretKey(key.location.ref, "tls.key")) continue;
      const list = encryptedKeys.get(key.location.context);
      if (list) list.push(key);
      else encryptedKeys.set(key.location.context, [key]);
    }
    for (const [id, context] of inv.contexts()) {
      const secret = parseRef(id);
      if (secret?.kind !== "secret") continue;
      const crt = secretValueCerts(inv, id, "tls.crt");
      if (crt.length === 0) continue;
      const ns = secret.namespace ?? "";
      const name = secret.name ?? secret.location;
      const owner = certManagerOwner(inv, ns, name);
      const first = crt[0]!;
      const leaf = crt.find((c) => !c.cert.record.isCA);
      if (first.cert.record.isCA && leaf !== undefined) {
        out.push(
          makeFinding(this, {
            title: `TLS Secret ${ns}/${name}: tls.crt starts with a CA, not the server's certificate`,
            detail: `${first.location.ref} is the CA ${first.cert.record.subject}; the leaf ${leaf.cert.record.subject} comes later (${leaf.location.ref}). Servers present the first certificate as their own, so clients see a CA certificate that does not match the server's key.${managedNote(owner)}`,
            remediation: `Re-create ${id} with tls.crt = leaf first, then intermediates: kubectl create secret tls ${name} -n ${ns} --cert=fullchain.pem --key=tls.key --dry-run=client -o yaml | kubectl apply -f -.`,
            certificates: [first.cert.record.fingerprint, leaf.cert.record.fingerprint],
            locations: [first.location.ref, leaf.location.ref],
          }),
        );
      }
      const target = leaf ?? first;
      const ca = secretValueCerts(inv, id, "ca.crt");
      if (ca.length > 0 && !caVerifies(inv, target.cert, ca.map((c) => c.cert), ctx) && !chainUntrustedCovers(inv, target.cert, id, ctx)) {
        out.push(
          makeFinding(this, {
            title: `TLS Secret ${ns}/${name}: ca.crt does not verify tls.crt`,
            detail: `${target.location.ref} (${target.cert.record.subject}) was issued by ${target.cert.record.issuer}, but ca.crt holds ${ca.map((c) => c.cert.record.subject).join("; ")} — another PKI. Clients given this ca.crt fail with "x509: certificate signed by unknown authority".${managedNote(owner)}`,
            remediation: `Put the CA that issued ${target.location.ref} (${target.cert.record.issuer}) into ca.crt of ${id}, or re-issue tls.crt from the CA in ca.crt.`,
            certificates: [target.cert.record.fingerprint, ...ca.map((c) => c.cert.record.fingerprint)],
            locations: [target.location.ref, ...ca.map((c) => c.location.ref)],
          }),
        );
      }
      for (const key of encryptedKeys.get(id) ?? []) {
        out.push(
          makeFinding(this, {
            title: `TLS Secret ${ns}/${name}: tls.key is encrypted`,
            detail: `${key.location.ref} is an encrypted private key. Nothing that loads TLS Secrets (ingress controllers, webhook servers, Go's tls.X509KeyPair) can decrypt it: "tls: failed to parse private key".${managedNote(owner)}`,
            remediation: `Store the key unencrypted (openssl pkey -in tls.key -out tls-plain.key) and re-create ${id}; restrict access to the Secret with RBAC instead.`,
            certificates: [target.cert.record.fingerprint],
            locations: [key.location.ref],
          }),
        );
      }
      void context;
    }
    return out;
  },
};

function caVerifies(inv: Inventory, cert: InventoryCert, cas: InventoryCert[], ctx: RuleContext): boolean {
  return inv.chainReaches(cert, new Set(cas.map((c) => c.record.spkiFingerprint)), ctx.maxChainLength);
}

/**
 * chain-untrusted reports the certificate in this context when the context's anchors (ca.crt and any CA
 * stored in the Secret) do not reach it and one of them is named as its issuer (or is a rejected issuer).
 */
function chainUntrustedCovers(inv: Inventory, cert: InventoryCert, context: string, ctx: RuleContext): boolean {
  const anchors = inv.contexts().get(context)?.anchors.filter((a) => a !== cert) ?? [];
  if (anchors.length === 0 || inv.chainReaches(cert, new Set(anchors.map((a) => a.record.spkiFingerprint)), ctx.maxChainLength)) return false;
  return anchors.some((a) => a.record.subjectDer === cert.record.issuerDer || cert.rejectedIssuers.includes(a.record.fingerprint));
}

/** A ref of (a block of) one key of a Secret. */
function isSecretKey(ref: string, key: string): boolean {
  const value = parseRef(ref);
  return value?.kind === "secret" && valueKeyOf(value) === key;
}
