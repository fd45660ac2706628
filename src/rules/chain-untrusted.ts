import { parseRef } from "../model/ref.js";
import { trustRequirements, type TrustRequirement } from "../layouts/index.js";
import { isSelfSigned, type Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { makeFinding, type Rule, type RuleContext } from "./rule.js";
import { liveRefs, nameCert } from "./support/describe.js";
import { checkEndpointChains, isEndpointContext } from "./chain-untrusted-endpoint.js";
import { consumerUsage, isTimeError, quoteGo, verifyLikeGo, type UsageVerdict } from "./support/go-verdict.js";
import type { GoVerifyError } from "../pki/go-verify.js";

const UNKNOWN_AUTHORITY_TEXT = "x509: certificate signed by unknown authority";

export const chainUntrusted: Rule = {
  id: "chain-untrusted",
  severity: "critical",
  title: "Certificate is not trusted where it is used",
  explain: `A certificate cannot be verified by the trust anchors of the place it lives in — the CA bundle in the
same Secret, the certificate-authority of the same kubeconfig, the CA files of the same directory, or the
CA a known layout says its peers trust (every KubeEdge edge node's \`rootCA.crt\` must verify CloudCore's
serving certificate; every K3s server's \`server-ca.crt\` must verify every server's serving certificate).

The verdict is Go's: certdoctor replays crypto/x509's \`Verify\` (candidate order, CA and keyUsage checks
on the issuer, path length, name constraints, unhandled critical extensions, nested extended key usage,
SHA-1 refusal) and the finding's \`goError\` is the exact error the component logs, e.g.
\`x509: certificate signed by unknown authority (possibly because of "x509: ECDSA verification failure" while
trying to verify candidate authority certificate "kubernetes")\` or \`x509: certificate specifies an
incompatible key usage\`. The extended key usage asked for is the consumer's: serverAuth for serving
certificates, clientAuth for client certificates and kubeconfig users, both for etcd peers; for a
certificate whose consumer no layout names, it is inferred from the certificate and the finding says so.
Expired certificates in a chain are reported by \`cert-expired\` (with the same Go error), not here. It also
fires (as info) when a certificate's issuer is nowhere in the scan, so its chain cannot be checked at all.

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
      if (!flagged) checkIssuerExists(this, inv, cert, ctx, found);
    }
    const byRole = indexByRole(inv);
    for (const req of trustRequirements) checkRequirement(this, inv, req, byRole, ctx, found);
    checkEndpointChains(this, inv, ctx, found);
    return [...found.values()];
  },
};

/** Returns true when the certificate was reported for a context it lives in. */
function checkContexts(rule: Rule, inv: Inventory, cert: InventoryCert, ctx: RuleContext, found: Map<string, Finding>): boolean {
  const contexts = inv.contexts();
  let flagged = false;
  for (const location of cert.locations) {
    if (location.backup || isEndpointContext(location.context)) continue; // see checkEndpointChains
    const context = contexts.get(location.context);
    if (context === undefined) continue;
    const anchors = context.anchors.filter((a) => a !== cert);
    if (anchors.length === 0) continue;
    const usage = consumerUsage(cert, location);
    const err = verifyLikeGo(cert, anchors, inv.bundleOf(location, cert), ctx.now, usage.checks);
    if (err === undefined || isTimeError(err)) continue;
    const relevant = anchors.filter((a) => a.record.subjectDer === cert.record.issuerDer || cert.rejectedIssuers.includes(a.record.fingerprint));
    // An unrelated CA in the same directory says nothing about this certificate, unless the place pairs
    // them explicitly (a Secret's ca.crt next to its tls.crt).
    const paired = parseRef(location.context)?.kind === "secret" && anchors.some((a) => a.locations.some((l) => l.context === location.context && l.anchor));
    if (err.reason === "unknown-authority" && relevant.length === 0 && !paired) continue;
    const key = `${cert.record.fingerprint}|${location.context}`;
    flagged = true;
    if (found.has(key)) continue;
    const shown = relevant.length > 0 ? relevant : anchors;
    const anchorRefs = shown.flatMap((a) => a.locations.filter((l) => l.context === location.context && !l.backup).map((l) => l.ref));
    found.set(key, describeContextFailure(rule, inv, cert, location, shown, anchorRefs, err, usage));
  }
  return flagged;
}

function describeContextFailure(
  rule: Rule,
  inv: Inventory,
  cert: InventoryCert,
  location: Location,
  anchors: InventoryCert[],
  anchorRefs: string[],
  err: GoVerifyError<InventoryCert>,
  usage: UsageVerdict,
): Finding {
  const beside = anchorRefs.join(", ") || "its context";
  const fields = { certificates: [cert.record.fingerprint, ...anchors.map((a) => a.record.fingerprint)], locations: [location.ref, ...anchorRefs], goError: err.message };
  const go = `The component that verifies it fails with ${quoteGo(err.message)}.`;
  const usageNote = usageText(usage);
  if (err.reason === "unknown-authority") {
    const hint = err.hintCert;
    if (hint !== undefined && /cannot sign this kind/.test(err.message)) {
      return makeFinding(rule, {
        ...fields,
        title: `Issuer beside it is not allowed to sign certificates: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} at ${location.ref} was issued by "${cert.record.issuer}", and the certificate with that name beside it (${liveRefs(hint)[0] ?? beside}) is not a CA (no basicConstraints CA:TRUE, or a keyUsage without keyCertSign), so Go does not accept it as the issuer. ${go}`,
        remediation: `Put the real issuing CA certificate at ${anchorRefs[0] ?? "the CA location"} (a CA certificate with basicConstraints CA:TRUE), or re-issue ${location.ref} from the CA that is there.`,
      });
    }
    if (hint !== undefined && /insecure algorithm/.test(err.message)) {
      return makeFinding(rule, {
        ...fields,
        title: `Signed with an algorithm Go refuses: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} at ${location.ref} is signed with ${cert.record.signatureAlgorithm}; Go (1.18 and later) refuses SHA-1 and MD5 signatures on certificates, so the CA beside it (${beside}) cannot vouch for it. ${go}`,
        remediation: `Re-issue ${location.ref} from ${anchorRefs[0] ?? "its CA"} with a SHA-256 signature (openssl: -sha256), then restart the components that load it.`,
      });
    }
    if (hint !== undefined) {
      return makeFinding(rule, {
        ...fields,
        title: `Not signed by the CA it is deployed with: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} at ${location.ref} names ${cert.record.issuer} as its issuer, but the CA stored beside it (${beside}) did not sign it — it was signed by ${signerText(inv, cert)}. ${go}`,
        remediation: `Re-issue ${location.ref} from the CA at ${anchorRefs[0] ?? "its context"}, or replace that CA file with the CA that signed it (${signerRefs(inv, cert)}) if that one is the current CA. Then restart the components that load them.`,
      });
    }
    return makeFinding(rule, {
      ...fields,
      title: `Not issued by the CA it is deployed with: ${cert.record.subject}`,
      detail: `The ${nameCert(cert)} at ${location.ref} was issued by "${cert.record.issuer}", but the CA stored with it (${beside}) is ${anchors.map((a) => `"${a.record.subject}"`).join(", ")}: its chain never reaches that CA. ${go}`,
      remediation: `Store the CA that issued it (${signerRefs(inv, cert)}) at ${anchorRefs[0] ?? "the CA location"}, or re-issue ${location.ref} from the CA that is there.`,
    });
  }
  const subject = err.cert === cert ? `the ${nameCert(cert)}` : `the CA ${err.cert.record.subject} in its chain`;
  return makeFinding(rule, {
    ...fields,
    title: `${failureTitle(err)}: ${cert.record.subject}`,
    detail: `The ${nameCert(cert)} at ${location.ref} chains to the CA beside it (${beside}) by signature, but Go rejects the chain because of ${subject}: ${failureText(err)}${usageNote} ${go}`,
    remediation: failureFix(err, location.ref),
  });
}

/** What was checked for the extended key usage, in words, when it matters. */
function usageText(usage: UsageVerdict): string {
  if (usage.basis === "unknown") return " (certdoctor does not know which extended key usage its consumer asks for, so none was required).";
  const asked = usage.checks.map((c) => c.join("+")).join(" and ");
  const why = usage.basis === "layout" ? "as its layout role is verified" : usage.basis === "kubeconfig user" ? "as the API server verifies kubeconfig client certificates" : "inferred from its own extended key usage";
  return ` (checked for ${asked}, ${why}).`;
}

function failureTitle(err: GoVerifyError<InventoryCert>): string {
  switch (err.reason) {
    case "incompatible-usage":
      return "Extended key usage does not allow this use";
    case "not-authorized-to-sign":
      return "Chain goes through a certificate that is not a CA";
    case "too-many-intermediates":
      return "Chain is longer than a CA's path length allows";
    case "name-constraints":
      return "Name not permitted by a CA's name constraints";
    case "unhandled-critical-extension":
      return "Critical extension Go does not understand";
    default:
      return "Chain rejected by Go's verifier";
  }
}

function failureText(err: GoVerifyError<InventoryCert>): string {
  switch (err.reason) {
    case "incompatible-usage":
      return "the extended key usages listed along the chain (each CA's list restricts the ones below it) do not include the use its consumer asks for";
    case "not-authorized-to-sign":
      return "an intermediate certificate without basicConstraints CA:TRUE cannot issue certificates";
    case "too-many-intermediates":
      return `its basicConstraints pathlen:${err.cert.record.pathLength ?? 0} allows fewer intermediate CAs below it than the chain has`;
    case "name-constraints":
      return "a CA's nameConstraints do not permit a name in the certificates below it";
    case "unhandled-critical-extension":
      return `it carries a critical extension (${(err.cert.record.unhandledCritical ?? []).join(", ")}) Go does not process, and Go refuses any certificate with one`;
    default:
      return "see the Go error";
  }
}

function failureFix(err: GoVerifyError<InventoryCert>, ref: string): string {
  switch (err.reason) {
    case "incompatible-usage":
      return `Re-issue ${ref} with the extended key usage its consumer needs (extendedKeyUsage=serverAuth for serving certificates, clientAuth for client certificates, both for etcd peers), from a CA whose own extendedKeyUsage (if any) includes it.`;
    case "not-authorized-to-sign":
      return `Re-issue the intermediate as a CA (basicConstraints=critical,CA:TRUE) and re-sign ${ref} with it, or issue ${ref} directly from the root.`;
    case "too-many-intermediates":
      return `Shorten the chain of ${ref}, or re-issue the constraining CA with a larger pathlen.`;
    case "name-constraints":
      return `Re-issue ${ref} with names the CA permits, or issue it from a CA without that constraint.`;
    default:
      return `Re-issue ${ref} without the critical extension (or mark it non-critical).`;
  }
}

function checkIssuerExists(rule: Rule, inv: Inventory, cert: InventoryCert, ctx: RuleContext, found: Map<string, Finding>): void {
  if (cert.issuers.some((fp) => fp !== cert.record.fingerprint)) return;
  const key = `${cert.record.fingerprint}|issuer`;
  const refs = liveRefs(cert);
  const sameName = inv.withSubject(cert.record.issuerDer).filter((c) => c !== cert);
  const goError = sameName.length > 0 ? verifyLikeGo(cert, sameName, [], ctx.now, [["any"]])?.message : undefined;
  if (cert.rejectedIssuers.length > 0) {
    const impostors = cert.rejectedIssuers.map((fp) => inv.byFingerprint.get(fp)).filter((c): c is InventoryCert => c !== undefined);
    const impostorRefs = impostors.flatMap(liveRefs);
    found.set(
      key,
      makeFinding(rule, {
        title: `Issuer CA key not found: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} was issued by "${cert.record.issuer}". A CA with that name exists (${impostorRefs.join(", ") || "in backups only"}) but its key did not sign this certificate: the CA was replaced (rotated or re-created) and this certificate was not re-issued. Peers that trust the current CA fail with ${quoteGo(goError ?? UNKNOWN_AUTHORITY_TEXT)}.`,
        remediation: `Re-issue the certificate from the current CA (see the distribution's renewal command for ${refs[0] ?? "it"}), or restore the CA that signed it if the rotation was unintended.`,
        certificates: [cert.record.fingerprint, ...impostors.map((c) => c.record.fingerprint)],
        locations: [...refs, ...impostorRefs],
        goError: goError ?? UNKNOWN_AUTHORITY_TEXT,
      }),
    );
    return;
  }
  if (cert.record.selfIssued && !cert.issuers.includes(cert.record.fingerprint)) {
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
  if (cert.record.selfIssued) return;
  const notCa = sameName.filter((c) => !c.backupOnly);
  if (notCa.length > 0) {
    // Same name, but the trust graph had nothing to verify: the certificate cannot be an issuer at all.
    const where = notCa.flatMap(liveRefs);
    found.set(
      key,
      makeFinding(rule, {
        title: `Issuer is not a CA: ${cert.record.subject}`,
        detail: `The ${nameCert(cert)} was issued by "${cert.record.issuer}". A certificate with that name is in the scan (${where.join(", ")}) but it is not a CA (no basicConstraints CA:TRUE), so it cannot have issued anything that Go accepts; the real issuer is not in the scan. Verifying against it fails with ${quoteGo(goError ?? UNKNOWN_AUTHORITY_TEXT)}.`,
        remediation: `Find the CA that issued the certificate and include it in the scan, or re-issue the certificate from a real CA.`,
        certificates: [cert.record.fingerprint, ...notCa.map((c) => c.record.fingerprint)],
        locations: [...refs, ...where],
        goError: goError ?? UNKNOWN_AUTHORITY_TEXT,
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
      if ((leaf.location.scope ?? "") !== (anchor.location.scope ?? "")) continue; // never across clusters
      if (leaf.cert === anchor.cert) continue;
      const checks = req.usages ?? consumerUsage(leaf.cert, leaf.location).checks;
      const err = verifyLikeGo(leaf.cert, [anchor.cert], inv.bundleOf(leaf.location, leaf.cert), ctx.now, checks);
      if (err === undefined || isTimeError(err)) continue;
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
          detail: `The ${nameCert(leaf.cert)} at ${leaf.location.ref} does not verify against the ${anchor.location.roleTitle ?? "CA"} at ${anchor.location.ref}${anchor.location.node ? ` (node ${anchor.location.node})` : ""}: Go says ${quoteGo(err.message)}. ${req.consequence}`,
          remediation: `Make both sides use the same CA: the CA that signed ${leaf.location.ref} is ${signerText(inv, leaf.cert)}. Either distribute that CA to ${anchor.location.ref}, or re-issue the certificate from the CA there.`,
          certificates: [leaf.cert.record.fingerprint, anchor.cert.record.fingerprint],
          locations: [leaf.location.ref, anchor.location.ref],
          goError: err.message,
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
