import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { makeFinding, type Rule } from "./rule.js";
import { blockIndexOf } from "../model/ref.js";
import { liveRefs } from "./support/describe.js";

interface Group {
  /** What the variants have in common, in words. */
  label: string;
  byLayout: boolean;
  variants: Map<string, InventoryCert[]>; // spki fingerprint -> certificates carrying that key
}

export const caDivergence: Rule = {
  id: "ca-divergence",
  severity: "critical",
  title: "The same CA exists with different keys",
  explain: `One CA identity — the same subject name, or the same role in a known layout (the \`server-ca.crt\` of
every K3s server, KubeEdge's CloudCore \`casecret\` and every edge node's \`/etc/kubeedge/ca/rootCA.crt\`)
— exists in several places with different keys. Certificates signed by one variant are rejected by
everything that trusts the other: \`x509: certificate signed by unknown authority\`. Typical causes: a
CA rotation that reached only some nodes (\`k3s certificate rotate-ca\` with servers that joined via
\`--server\`), or a re-created CloudCore CA while edge nodes keep the old \`rootCA.crt\`.

**Fix:** decide which variant is current (the finding shows which one signed the certificates in use),
then distribute it everywhere and re-issue what the other one signed. Critical when a known layout says
the places must agree; warning when only the names match (two unrelated clusters in one scan look alike:
name them with \`--path NAME=DIR\` and their CAs are never compared).`,
  check(inv) {
    const groups = new Map<string, Group>();
    for (const cert of inv.live()) {
      if (!cert.record.isCA) continue;
      // Groups never cross cluster scopes (--path NAME=DIR): two clusters' CN=kubernetes CAs are not one CA.
      const scopes = new Set(cert.locations.filter((l) => !l.backup).map((l) => l.scope ?? ""));
      for (const scope of scopes) {
        const where = scope === "" ? "" : ` in cluster ${scope}`;
        addTo(groups, `subject:${scope}|${cert.record.subjectDer}`, `subject "${cert.record.subject}"${where}`, false, cert);
      }
      for (const loc of cert.locations) {
        if (loc.backup || !loc.caIdentity) continue;
        const scope = loc.scope ?? "";
        addTo(groups, `layout:${scope}|${loc.caIdentity}`, `CA role "${loc.caIdentity}"${scope === "" ? "" : ` in cluster ${scope}`}`, true, cert);
      }
    }
    const out: Finding[] = [];
    const reported = new Set<string>();
    // Layout groups first: they carry the stronger claim and the same variants need not be reported twice.
    const ordered = [...groups.values()].sort((a, b) => Number(b.byLayout) - Number(a.byLayout));
    for (const group of ordered) {
      if (group.variants.size < 2) continue;
      const signature = [...group.variants.keys()].sort().join(",");
      if (reported.has(signature)) continue;
      reported.add(signature);
      out.push(describe(this, inv, group));
    }
    return out;
  },
};

function addTo(groups: Map<string, Group>, key: string, label: string, byLayout: boolean, cert: InventoryCert): void {
  let group = groups.get(key);
  if (!group) groups.set(key, (group = { label, byLayout, variants: new Map() }));
  const list = group.variants.get(cert.record.spkiFingerprint);
  if (!list) group.variants.set(cert.record.spkiFingerprint, [cert]);
  else if (!list.includes(cert)) list.push(cert);
}

function describe(rule: Rule, inv: Inventory, group: Group): Finding {
  const lines: string[] = [];
  const certs: string[] = [];
  const locations: string[] = [];
  let mostUsed = { count: -1, n: 0 };
  let n = 0;
  for (const holders of group.variants.values()) {
    n++;
    // Chain copies (the CA appended after a leaf in the same file) add nothing to where the CA lives.
    const all = holders.flatMap(liveRefs);
    const own = all.filter((r) => blockIndexOf(r) === 0);
    const refs = own.length > 0 ? own : all;
    const signed = new Set(holders.flatMap((h) => inv.signedBy(h)).filter((c) => !c.record.isCA || !holders.includes(c)));
    const expiry = new Date(Math.max(...holders.map((h) => h.record.notAfter))).toISOString().slice(0, 10);
    lines.push(
      `variant ${n} (key ${holders[0]!.record.spkiFingerprint.slice(0, 16)}…, valid until ${expiry}) is at ${refs.join(", ")} and signed ${signed.size} certificate${signed.size === 1 ? "" : "s"} in use${signed.size > 0 ? ` (e.g. ${[...signed].slice(0, 3).map((c) => liveRefs(c)[0] ?? c.record.subject).join(", ")})` : ""}`,
    );
    if (signed.size > mostUsed.count) mostUsed = { count: signed.size, n };
    certs.push(...holders.map((h) => h.record.fingerprint));
    locations.push(...refs);
  }
  return makeFinding(rule, {
    severity: group.byLayout ? "critical" : "warning",
    title: `${group.variants.size} different CAs share ${group.label}`,
    detail: `${group.variants.size} different keys claim the ${group.label}: ${lines.join("; ")}. Certificates signed by one variant are rejected with "x509: certificate signed by unknown authority" wherever only another variant is trusted.`,
    remediation: `Variant ${mostUsed.n} signed the most certificates in use — usually the one to keep. Copy it to every location listed for the other variants (and re-issue what they signed), or restore the other variant everywhere if the rotation was a mistake. Back up the files first; restart the components that read them.`,
    certificates: certs,
    locations,
  });
}
