import { parseRef } from "../model/ref.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { makeFinding, type Rule, type RuleContext } from "./rule.js";
import { addressOf, isEndpointLocation, presentedChain, storedLocations } from "./support/endpoint.js";
import { isTimeError, quoteGo, verifyLikeGo } from "./support/go-verdict.js";
import { serverUsage } from "../layouts/usages.js";


/**
 * Endpoint branch of chain-untrusted: the presented chain must verify, using only the certificates the
 * server sent, against the anchors its clients use — the target's `ca=FILE`, else CA certificates stored
 * in the scan whose subject is an issuer name the presented chain claims.
 */
export function checkEndpointChains(rule: Rule, inv: Inventory, ctx: RuleContext, found: Map<string, Finding>): void {
  const context = inv.contexts();
  for (const ep of inv.endpoints) {
    const chain = presentedChain(inv, ep);
    const leaf = chain[0];
    if (!leaf || ep.chain[0] === undefined) continue;
    const explicit = (context.get(ep.context)?.members ?? []).filter((m) => m.location.anchor && m.location.context === ep.context).map((m) => m.cert);
    const anchors = explicit.length > 0 ? [...new Set(explicit)] : claimedIssuers(inv, chain);
    if (anchors.length === 0) continue; // nothing to judge against; checkIssuerExists reports unknown issuers
    const anchorKeys = new Set(anchors.map((a) => a.record.spkiFingerprint));
    const err = verifyLikeGo(leaf, anchors, chain.slice(1), ctx.now, serverUsage);
    if (err === undefined || isTimeError(err)) continue;
    const missingIntermediate = err.reason === "unknown-authority" && inv.chainReaches(leaf, anchorKeys, ctx.maxChainLength);
    const go = `Clients of this endpoint fail with ${quoteGo(err.message)}.`;
    const anchorRefs = anchors.flatMap((a) => a.locations.filter((l) => !l.backup && (l.context === ep.context || !isEndpointLocation(l))).map((l) => l.ref));
    const source = explicit.length > 0 ? "the CA file its clients use (ca=)" : "the CA stored in the scan under the issuer's name";
    found.set(
      `${ep.ref}|endpoint-chain`,
      makeFinding(rule, {
        title: missingIntermediate
          ? `${addressOf(ep)} does not send its intermediate CA: ${leaf.record.subject}`
          : `${addressOf(ep)} presents a certificate its clients do not trust: ${leaf.record.subject}`,
        detail: missingIntermediate
          ? `${ep.ref} presents ${describeChain(chain)}. It verifies against ${source} (${anchorRefs.join(", ")}) only through an intermediate CA found elsewhere in the scan that the server does not send. ${go}`
          : `${ep.ref} presents ${describeChain(chain)}, which does not verify against ${source} (${anchorRefs.join(", ")}). ${go}`,
        remediation: missingIntermediate
          ? `Configure the server to send the full chain (leaf followed by its intermediate CA certificates in the certificate file).`
          : `Serve a certificate issued by the CA its clients trust (${anchorRefs[0] ?? "the anchor"}), or give the clients the CA that signed ${leaf.record.subject} (issuer ${leaf.record.issuer}).`,
        certificates: [leaf.record.fingerprint, ...anchors.map((a) => a.record.fingerprint)],
        locations: [ep.ref, ...anchorRefs],
        goError: err.message,
      }),
    );
  }
}

/** Stored CA certificates whose subject is the issuer name of a presented certificate, in inventory order. */
function claimedIssuers(inv: Inventory, chain: InventoryCert[]): InventoryCert[] {
  const index = storedCasOf(inv);
  const found = new Set<InventoryCert>();
  for (const name of new Set(chain.map((c) => c.record.issuerDer))) for (const ca of index.bySubject.get(name) ?? []) found.add(ca);
  return [...found].sort((a, b) => index.position.get(a)! - index.position.get(b)!);
}

interface StoredCas {
  bySubject: Map<string, InventoryCert[]>;
  position: Map<InventoryCert, number>;
}

// Built once per inventory: a CA presented by every endpoint has a location per endpoint, and scanning
// all live certificates and their locations for each endpoint made 10,000 endpoints quadratic.
const storedCaIndex = new WeakMap<Inventory, StoredCas>();

function storedCasOf(inv: Inventory): StoredCas {
  let index = storedCaIndex.get(inv);
  if (index !== undefined) return index;
  index = { bySubject: new Map(), position: new Map() };
  for (const c of inv.live()) {
    if (!(c.record.isCA || c.record.selfIssued) || storedLocations(c).length === 0) continue;
    index.position.set(c, index.position.size);
    const list = index.bySubject.get(c.record.subjectDer);
    if (list) list.push(c);
    else index.bySubject.set(c.record.subjectDer, [c]);
  }
  storedCaIndex.set(inv, index);
  return index;
}

function describeChain(chain: InventoryCert[]): string {
  return chain.map((c, i) => `${i === 0 ? "" : "→ "}${c.record.subject} (issued by ${c.record.issuer})`).join(" ");
}

export function isEndpointContext(context: string): boolean {
  return parseRef(context)?.kind === "endpoint";
}
