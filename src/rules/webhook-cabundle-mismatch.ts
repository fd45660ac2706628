import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { KubeObjectItem } from "../model/items.js";
import { certManagerOwner, managedNote, parseSecretRef } from "./support/kube.js";
import { makeFinding, type Rule, type RuleContext } from "./rule.js";

interface Candidate {
  cert: InventoryCert;
  location: Location;
  how: string;
}

const NAME_SUFFIXES = ["", "-tls", "-cert", "-certs", "-serving-cert", "-webhook-tls", "-webhook-cert"];

/** Serving certificates stored for a Service: by SAN SERVICE.NAMESPACE.svc first, then by Secret name. */
export function servingCandidates(inv: Inventory, service: { namespace: string; name: string }): Candidate[] {
  const sans = new Set([`${service.name}.${service.namespace}.svc`, `${service.name}.${service.namespace}.svc.cluster.local`]);
  const bySan: Candidate[] = [];
  const byName: Candidate[] = [];
  for (const cert of inv.live()) {
    if (cert.record.isCA) continue;
    for (const location of cert.locations) {
      const p = parseSecretRef(location.ref);
      if (location.backup || !p || p.ns !== service.namespace || p.index !== 0 || !/\.(crt|pem)$|^cert$/.test(p.key) || p.key === "ca.crt") continue;
      const san = cert.record.dnsNames.find((d) => sans.has(d));
      if (san !== undefined) bySan.push({ cert, location, how: `its SAN ${san}` });
      else if (NAME_SUFFIXES.some((s) => p.name === `${service.name}${s}`)) byName.push({ cert, location, how: `the Secret name ${p.name}` });
    }
  }
  return bySan.length > 0 ? bySan : byName;
}

export const webhookCaBundleMismatch: Rule = {
  id: "webhook-cabundle-mismatch",
  severity: "critical",
  title: "Webhook caBundle does not verify its service's serving certificate",
  explain: `A ValidatingWebhookConfiguration, MutatingWebhookConfiguration, APIService or CRD conversion webhook
carries a \`caBundle\` the API server uses to verify the service it calls. The serving certificate stored for
that service — a Secret in the service's namespace whose certificate names \`SERVICE.NAMESPACE.svc\`, or failing
that a Secret named after the service — is not signed by any CA in that bundle. Every call fails with
\`x509: certificate signed by unknown authority\`: with \`failurePolicy: Fail\` every matching API request is
rejected (deployments, pod creation ...), with \`Ignore\` the webhook silently does nothing; an APIService goes
\`Available=False\` (\`kubectl top\`, metrics, aggregated APIs fail). Typical after the serving certificate was
re-issued from a new CA and the caBundle was not re-injected.

**Fix:** put the CA that signed the serving certificate into the caBundle (cert-manager: annotate the
webhook with \`cert-manager.io/inject-ca-from: NAMESPACE/CERTIFICATE\` and check cainjector runs), or re-issue
the serving certificate from the CA in the bundle; then restart the webhook's pods so they serve it.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    const contexts = inv.contexts();
    for (const obj of inv.objects) {
      if (obj.service === undefined) continue;
      const anchors = contexts.get(obj.context)?.anchors ?? [];
      if (anchors.length === 0) continue;
      const candidates = servingCandidates(inv, obj.service);
      if (candidates.length === 0) continue;
      const keys = new Set(anchors.map((a) => a.record.spkiFingerprint));
      if (candidates.some((c) => inv.chainReaches(c.cert, keys, ctx.maxChainLength))) continue;
      out.push(finding(this, inv, obj, anchors, candidates, ctx));
    }
    return out;
  },
};

function finding(rule: Rule, inv: Inventory, obj: KubeObjectItem, anchors: InventoryCert[], candidates: Candidate[], _ctx: RuleContext): Finding {
  const svc = obj.service!;
  const c = candidates[0]!;
  const bundleRefs = anchors.flatMap((a) => a.locations.filter((l) => l.context === obj.context).map((l) => l.ref));
  const p = parseSecretRef(c.location.ref)!;
  const owner = certManagerOwner(inv, p.ns, p.name);
  return makeFinding(rule, {
    title: `${obj.kind} ${obj.name}: caBundle does not verify the serving certificate of service ${svc.namespace}/${svc.name}`,
    detail: `${obj.kind} ${obj.name} calls service ${svc.namespace}/${svc.name}${svc.port ? `:${svc.port}` : ""} and trusts only the caBundle at ${bundleRefs.join(", ")} (${anchors.map((a) => a.record.subject).join("; ")}). The serving certificate stored for that service — ${c.location.ref} (${c.cert.record.subject}, issued by ${c.cert.record.issuer}), matched by ${c.how} — is not signed by it.${managedNote(owner)} The API server's calls fail with "x509: certificate signed by unknown authority".`,
    remediation: owner
      ? `Let cainjector keep the bundle current: annotate ${obj.kind} ${obj.name} with cert-manager.io/inject-ca-from: ${owner.namespace}/${owner.name} (and check the cainjector pod runs), or put the CA that signed ${c.location.ref} into the caBundle.`
      : `Put the CA that signed ${c.location.ref} (issuer ${c.cert.record.issuer}) into the caBundle of ${obj.kind} ${obj.name} (kubectl patch … caBundle=$(base64 -w0 ca.crt)), or re-issue ${c.location.ref} from the CA in the bundle; then restart the service's pods.`,
    certificates: [c.cert.record.fingerprint, ...anchors.map((a) => a.record.fingerprint)],
    locations: [obj.ref, ...bundleRefs, c.location.ref],
  });
}
