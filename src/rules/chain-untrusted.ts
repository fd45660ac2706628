import { trustRequirements, type TrustRequirement } from "../layouts/index.js";
import { isSelfSigned, type Inventory, type TrustContext } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { makeFinding, type Rule, type RuleContext } from "./rule.js";
import { liveRefs, nameCert } from "./support.js";
import { checkEndpointChains, isEndpointContext } from "./chain-untrusted-endpoint.js";

const UNKNOWN_AUTHORITY = `"x509: certificate signed by unknown authority"`;

export const chainUntrusted: Rule = {
  id: "chain-untrusted",
  severity: "critical",
  title: "Certificate is not trusted where it is used",
  explain: `A certificate cannot be verified by the trust anchors of the place it lives in — the CA bundle in the
same Secret, the certificate-authority of the same kubeconfig, the CA files of the same directory, or the
CA a known layout says its peers trust (every KubeEdge edge node's \`rootCA.crt\` must verify CloudCore's
serving certificate; every K3s server's \`server-ca.crt\` must verify every server's serving certificate).
At runtime this is \`x509: certificate signed by unknown authority\`. It also fires (as info) when a
certificate's issuer is nowhere in the scan, so its chain cannot be checked at all.

**Fix:** make both sides agree on one CA: re-issue the certificate from the CA its peers trust, or
distribute the CA that signed it to its peers. The finding names both sides.

For a probed TLS endpoint (\`--endpoint\`) the presented chain must verify, with only the certificates the
server sends as intermediates, against the anchors its clients use: the target's \`ca=FILE\`, else the CA
certificates in the scan that carry the issuer name the chain claims. A chain that verifies only through an
intermediate the server does not send is reported as such: configure the server to send its full chain.`,
  check(inv, ctx) {
    const found = new Map<string, Finding>();
    for (const cert of inv.live()) {
      if (isSelfSigned(cert)) continue;
      const flagged = checkContexts(this, inv, cert, ctx, found);
      if (!flagged) checkIssuerExists(this, inv, cert, found);
    }
    const byRole = indexByRole(inv);
    for (const req of trustRequirements) checkRequirement(this, inv, req, byRole, ctx, found);
    checkEndpointChains(this, inv, ctx, found);
    return [...found.values()];
  },
};

const keysByContext = new WeakMap<TrustContext, Set<string>>();

/** The anchor keys of a context, computed once per scan (contexts hold thousands of members). */
function contextKeys(context: TrustContext): Set<string> {
  let keys = keysByContext.get(context);
  if (keys === undefined) keysByContext.set(context, (keys = keysOf(context.anchors)));
  return keys;
}

function keysOf(certs: InventoryCert[]): Set<string> {
  return new Set(certs.map((c) => c.record.spkiFingerprint));
}

/** Returns true when the certificate was reported for a context it lives in. */
function checkContexts(rule: Rule, inv: Inventory, cert: InventoryCert, ctx: RuleContext, found: Map<string, Finding>): boolean {
  const contexts = inv.contexts();
  let flagged = false;
  for (const location of cert.locations) {
    if (location.backup || isEndpointContext(location.context)) continue; // see checkEndpointChains
    const context = contexts.get(location.context);
    if (context === undefined) continue;
    const isAnchorHere = context.anchors.includes(cert);
    const anchors = isAnchorHere ? context.anchors.filter((a) => a !== cert) : context.anchors;
    if (anchors.length === 0) continue;
    const anchorKeys = isAnchorHere ? keysOf(anchors) : contextKeys(context);
    if (inv.chainReaches(cert, anchorKeys, ctx.maxChainLength)) continue;
    const relevant = anchors.filter(
      (a) => a.record.subjectDer === cert.record.issuerDer || cert.rejectedIssuers.includes(a.record.fingerprint),
    );
    if (relevant.length === 0) continue;
    const key = `${cert.record.fingerprint}|${location.context}`;
    flagged = true;
    if (found.has(key)) continue;
    const anchorRefs = relevant.flatMap((a) => a.locations.filter((l) => l.context === location.context && !l.backup).map((l) => l.ref));
    found.set(
      key,
      makeFinding(rule, {
        title: `Not signed by the CA it is deployed with: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} at ${location.ref} names ${cert.record.issuer} as its issuer, but the CA stored beside it (${anchorRefs.join(", ")}) did not sign it — it was signed by ${signerText(inv, cert)}. Anything that trusts only that CA fails with ${UNKNOWN_AUTHORITY}.`,
        remediation: `Re-issue ${location.ref} from the CA at ${anchorRefs[0] ?? "its context"}, or replace that CA file with the CA that signed it (${signerRefs(inv, cert)}) if that one is the current CA. Then restart the components that load them.`,
        certificates: [cert.record.fingerprint, ...relevant.map((a) => a.record.fingerprint)],
        locations: [location.ref, ...anchorRefs],
      }),
    );
  }
  return flagged;
}

function checkIssuerExists(rule: Rule, inv: Inventory, cert: InventoryCert, found: Map<string, Finding>): void {
  if (cert.issuers.length > 0) return;
  const key = `${cert.record.fingerprint}|issuer`;
  const refs = liveRefs(cert);
  if (cert.rejectedIssuers.length > 0) {
    const impostors = cert.rejectedIssuers.map((fp) => inv.byFingerprint.get(fp)).filter((c): c is InventoryCert => c !== undefined);
    const impostorRefs = impostors.flatMap(liveRefs);
    found.set(
      key,
      makeFinding(rule, {
        title: `Issuer CA key not found: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} was issued by "${cert.record.issuer}". A CA with that name exists (${impostorRefs.join(", ") || "in backups only"}) but its key did not sign this certificate: the CA was replaced (rotated or re-created) and this certificate was not re-issued. Peers that trust the current CA fail with ${UNKNOWN_AUTHORITY}.`,
        remediation: `Re-issue the certificate from the current CA (see the distribution's renewal command for ${refs[0] ?? "it"}), or restore the CA that signed it if the rotation was unintended.`,
        certificates: [cert.record.fingerprint, ...impostors.map((c) => c.record.fingerprint)],
        locations: [...refs, ...impostorRefs],
      }),
    );
    return;
  }
  if (cert.record.selfIssued) {
    found.set(
      key,
      makeFinding(rule, {
        title: `Self-signature does not verify: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} names itself as issuer but its self-signature does not verify: the file is damaged or was altered. Nothing can trust it.`,
        remediation: `Replace the certificate with an intact copy or re-create it.`,
        certificates: [cert.record.fingerprint],
        locations: refs,
      }),
    );
    return;
  }
  found.set(
    key,
    makeFinding(rule, {
      severity: "info",
      title: `Issuer not in scan: ${cert.record.subject}`,
      detail: `The ${nameCert(cert)} was issued by "${cert.record.issuer}", which is nowhere in the scanned material, so its chain cannot be checked.`,
      remediation: `Include the issuing CA in the scan (add its directory, kubeconfig or Secret with --path) to have the chain verified.`,
      certificates: [cert.record.fingerprint],
      locations: refs,
    }),
  );
}

type Placed = { cert: InventoryCert; location: Location };

function checkRequirement(
  rule: Rule,
  inv: Inventory,
  req: TrustRequirement,
  byRole: Map<string, Placed[]>,
  ctx: RuleContext,
  found: Map<string, Finding>,
): void {
  const leaves = byRole.get(req.leafRole) ?? [];
  const anchors = byRole.get(req.anchorRole) ?? [];
  for (const leaf of leaves) {
    for (const anchor of anchors) {
      if (req.scope === "same-node" && leaf.location.node !== anchor.location.node) continue;
      if (leaf.cert === anchor.cert) continue;
      if (inv.chainReaches(leaf.cert, new Set([anchor.cert.record.spkiFingerprint]), ctx.maxChainLength)) continue;
      const key = `${leaf.cert.record.fingerprint}|${anchor.cert.record.fingerprint}|${req.id}`;
      const existing = found.get(key);
      if (existing) {
        if (!existing.locations.includes(anchor.location.ref)) existing.locations.push(anchor.location.ref);
        continue;
      }
      found.set(
        key,
        makeFinding(rule, {
          title: `${leaf.location.roleTitle ?? "Certificate"} not trusted by ${anchor.location.roleTitle ?? "its peers"}`,
          detail: `The ${nameCert(leaf.cert)} at ${leaf.location.ref} does not verify against the ${anchor.location.roleTitle ?? "CA"} at ${anchor.location.ref}${anchor.location.node ? ` (node ${anchor.location.node})` : ""}. ${req.consequence}`,
          remediation: `Make both sides use the same CA: the CA that signed ${leaf.location.ref} is ${signerText(inv, leaf.cert)}. Either distribute that CA to ${anchor.location.ref}, or re-issue the certificate from the CA there.`,
          certificates: [leaf.cert.record.fingerprint, anchor.cert.record.fingerprint],
          locations: [leaf.location.ref, anchor.location.ref],
        }),
      );
    }
  }
}

/** Live locations by layout role. */
function indexByRole(inv: Inventory): Map<string, Placed[]> {
  const out = new Map<string, Placed[]>();
  for (const cert of inv.live()) {
    for (const location of cert.locations) {
      if (location.backup || location.role === undefined) continue;
      const list = out.get(location.role);
      if (list) list.push({ cert, location });
      else out.set(location.role, [{ cert, location }]);
    }
  }
  return out;
}

function signerText(inv: Inventory, cert: InventoryCert): string {
  const signers = inv.issuersOf(cert);
  if (signers.length === 0) return "a CA that is not in the scan";
  return signers.map((s) => `${s.record.subject} (${liveRefs(s)[0] ?? s.locations[0]?.ref ?? "backup only"})`).join(", ");
}

function signerRefs(inv: Inventory, cert: InventoryCert): string {
  const refs = inv.issuersOf(cert).flatMap((s) => s.locations.map((l) => l.ref));
  return refs.length > 0 ? refs.join(", ") : "not in the scan";
}
