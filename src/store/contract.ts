/**
 * The store conformance suite: every Store implementation runs exactly these tests (SQLite always,
 * PostgreSQL against a throwaway server), so both backends record and answer alike. Observations are
 * built in memory with pinned times; what is asserted is what the API returns.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Severity } from "../model/finding.js";
import { parseRef, refPath } from "../model/ref.js";
import type { CertFilter, FindingFilter, Observation, ObservedCert, ObservedFinding, ObservedPlacement, Store, TimelineFilter } from "./types.js";

export interface StoreContractFixture {
  name: string;
  /** A fresh, empty store (each call a new database). */
  open(): Promise<Store>;
  /** Reopens the database of the last `open()` (crash-safety / migration tests). */
  reopen(): Promise<Store>;
}

const T0 = Date.parse("2026-12-01T00:00:00Z");
const kindOf = (ref: string) => parseRef(ref)?.kind;
const refPathOf = (ref: string) => {
  const r = parseRef(ref);
  return r === undefined ? undefined : refPath(r);
};
const H = 3_600_000;
const D = 24 * H;

export function fp(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export function cert(name: string, over: Partial<ObservedCert> = {}): ObservedCert {
  return {
    fingerprint: fp(name),
    subject: `CN=${name}`,
    issuer: over.issuers?.[0] ? `CN=${over.issuers[0]}` : `CN=${name}`,
    serialNumber: "01",
    notBefore: T0 - 30 * D,
    notAfter: T0 + 300 * D,
    isCA: false,
    keyType: "RSA",
    keySize: 2048,
    signatureAlgorithm: "sha256WithRSAEncryption",
    spkiFingerprint: fp(`key-${name}`),
    dnsNames: [],
    ipAddresses: [],
    ...over,
    issuers: (over.issuers ?? []).map((i) => (i.length === 64 ? i : fp(i))),
  };
}

export function place(ref: string, certName: string, over: Partial<ObservedPlacement> = {}): ObservedPlacement {
  return { ref, fingerprint: fp(certName), anchor: false, backup: false, keyPresent: false, source: { kind: "file-scan", name: "" }, ...over };
}

export function finding(id: string, rule: string, severity: Severity, over: Partial<ObservedFinding> = {}): ObservedFinding {
  return { id, rule, severity, title: `${rule} title`, detail: "detail", remediation: "fix it", certificates: [], locations: [], ...over };
}

export function observation(at: number, certificates: ObservedCert[], placements: ObservedPlacement[], findings: ObservedFinding[] = [], over: Partial<Observation> = {}): Observation {
  return { scope: "server", source: { kind: "file-scan", name: "" }, startedAt: at - 1000, evaluatedAt: at, durationMs: 1000, certificates, placements, findings, issues: [], ...over };
}

const certPage = (over: Partial<CertFilter> = {}): CertFilter => ({ limit: 100, current: true, sort: "notAfter", order: "asc", ...over });
const findingPage = (over: Partial<FindingFilter> = {}): FindingFilter => ({ limit: 100, state: "open", ...over });
const timeline = (over: Partial<TimelineFilter> = {}): TimelineFilter => ({ limit: 100, ...over });

/** The cluster of the first scan: a root CA, an intermediate, two leaves; the root is the Secret's anchor. */
function firstScan(at = T0): Observation {
  return observation(
    at,
    [cert("root", { isCA: true }), cert("inter", { isCA: true, issuers: ["root"] }), cert("api", { issuers: ["inter"], notAfter: T0 + 5 * D, dnsNames: ["kubernetes"] }), cert("kubelet", { issuers: ["inter"], notAfter: T0 + 60 * D })],
    [
      place("file:/etc/kubernetes/pki/ca.crt", "root", { node: "cp-1", role: "cluster CA", caIdentity: "kubeadm:ca", context: "dir:/etc/kubernetes/pki", anchor: true, keyPresent: true }),
      place("secret:kubeedge/casecret#cadata", "root", { namespace: "kubeedge", context: "secret:kubeedge/casecret", anchor: true, source: { kind: "kube-watch", name: "" }, resourceVersion: "100", actor: { manager: "kubectl-create", operation: "Update", time: "2026-11-01T00:00:00Z" } }),
      place("file:/etc/kubernetes/pki/inter.crt", "inter", { node: "cp-1", context: "dir:/etc/kubernetes/pki" }),
      place("file:/etc/kubernetes/pki/apiserver.crt", "api", { node: "cp-1", role: "API server", context: "dir:/etc/kubernetes/pki", keyPresent: true }),
      place("file:/var/lib/kubelet/pki/kubelet.crt", "kubelet", { node: "worker-1", role: "kubelet serving" }),
    ],
    [
      finding("f-expiring-api", "cert-expiring", "critical", { certificates: [fp("api")], locations: ["file:/etc/kubernetes/pki/apiserver.crt"], node: "cp-1", impactAt: T0 + 5 * D }),
      finding("f-weak", "weak-crypto", "warning", { certificates: [fp("kubelet")], locations: ["file:/var/lib/kubelet/pki/kubelet.crt"], node: "worker-1" }),
      finding("f-secret", "tls-secret-invalid", "info", { locations: ["secret:kubeedge/casecret#cadata"], namespace: "kubeedge", impactAt: T0 }),
    ],
  );
}

export function runStoreContract(fixture: StoreContractFixture): void {
  describe(`store contract: ${fixture.name}`, () => {
    let store: Store;
    before(async () => {
      store = await fixture.open();
    });
    after(async () => {
      await store.close();
    });
    const fresh = async () => {
      await store.close();
      store = await fixture.open();
      return store;
    };

    it("starts empty and records a first scan: every placement appeared, counts and generation", async () => {
      const s = await fresh();
      assert.equal((await s.status()).generation, 0);
      const w = await s.recordObservation(firstScan());
      assert.deepEqual({ changes: w.changes, opened: w.placementsOpened, findings: w.findingsOpened, added: w.certificatesAdded }, { changes: 5, opened: 5, findings: 3, added: 4 });
      const st = await s.status();
      assert.equal(st.ok, true);
      assert.equal(st.generation, 1);
      assert.equal(st.lastScanId, w.scanId);
      assert.equal(st.lastScanAt, new Date(T0).toISOString());
      const tl = await s.timeline(timeline());
      assert.equal(tl.total, 5);
      assert.ok(tl.items.every((c) => c.kind === "appeared" && c.oldFingerprint === null));
      const summary = await s.summary(T0);
      assert.equal(summary.certificates, 4);
      assert.deepEqual(summary.findings, { critical: 1, warning: 1, info: 1 });
      assert.deepEqual(summary.expiry, { expired: 0, d7: 1, d30: 0, d90: 1, d365: 2, later: 0 });
    });

    it("a rescan that saw the same thing writes no placement, change or finding row", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const w = await s.recordObservation(firstScan(T0 + H));
      assert.deepEqual({ c: w.changes, o: w.placementsOpened, x: w.placementsClosed, fo: w.findingsOpened, fr: w.findingsResolved, a: w.certificatesAdded }, { c: 0, o: 0, x: 0, fo: 0, fr: 0, a: 0 });
      assert.equal((await s.timeline(timeline())).total, 5);
      const api = (await s.certificates(certPage({ q: "CN=api" }))).items[0]!;
      assert.equal(api.firstSeen, new Date(T0).toISOString());
      assert.equal(api.lastSeen, new Date(T0 + H).toISOString());
      assert.equal((await s.findings(findingPage())).items.find((f) => f.id === "f-expiring-api")?.openedAt, new Date(T0).toISOString());
    });

    it("a replaced CA Secret is a CA change with the old and new certificate, resourceVersion and managedFields actor", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const next = firstScan(T0 + 3 * H);
      next.certificates.push(cert("rogue-root", { isCA: true }));
      const p = next.placements.find((x) => x.ref === "secret:kubeedge/casecret#cadata")!;
      p.fingerprint = fp("rogue-root");
      p.resourceVersion = "4242";
      p.actor = { manager: "kubectl-edit", operation: "Update", time: "2026-12-01T03:12:00Z" };
      const w = await s.recordObservation(next);
      assert.equal(w.changes, 1);
      const [c] = (await s.timeline(timeline({ kind: ["changed"] }))).items;
      assert.ok(c);
      assert.equal(c.location.ref, "secret:kubeedge/casecret#cadata");
      assert.deepEqual(c.location, { ref: "secret:kubeedge/casecret#cadata", kind: "secret", location: "kubeedge/casecret", key: "cadata", namespace: "kubeedge", name: "casecret" });
      assert.equal(c.oldFingerprint, fp("root"));
      assert.equal(c.newFingerprint, fp("rogue-root"));
      assert.equal(c.oldSubject, "CN=root");
      assert.equal(c.newSubject, "CN=rogue-root");
      assert.equal(c.ca, true);
      assert.deepEqual(c.actor, { manager: "kubectl-edit", operation: "Update", time: "2026-12-01T03:12:00Z" });
      assert.equal(c.resourceVersion, "4242");
      assert.deepEqual(c.source, { kind: "kube-watch", name: "" });
      assert.equal(c.at, new Date(T0 + 3 * H).toISOString());
      assert.equal((await s.timeline(timeline({ caOnly: true, since: T0 + H }))).total, 1);
    });

    it("a finding with locations on several nodes labels each location with its own placement's node, open or resolved", async () => {
      const s = await fresh();
      const scan = firstScan();
      const spread = finding("f-spread", "ca-divergence", "critical", { certificates: [fp("api"), fp("kubelet")], locations: ["file:/etc/kubernetes/pki/apiserver.crt", "file:/var/lib/kubelet/pki/kubelet.crt"], node: "cp-1" });
      scan.findings.push(spread);
      await s.recordObservation(scan);
      const nodesOf = (f: { locations: Array<{ ref: string; node?: string }> } | undefined) => Object.fromEntries((f?.locations ?? []).map((l) => [l.ref, l.node ?? null]));
      const want = { "file:/etc/kubernetes/pki/apiserver.crt": "cp-1", "file:/var/lib/kubelet/pki/kubelet.crt": "worker-1" };
      assert.deepEqual(nodesOf((await s.findings(findingPage())).items.find((f) => f.id === "f-spread")), want);
      assert.deepEqual(nodesOf((await s.certificate(fp("kubelet"), T0))?.findings.find((f) => f.id === "f-spread")), want);
      // the kubelet file is gone and the finding resolved: its closed placement still knows the node
      const next = firstScan(T0 + H);
      next.placements = next.placements.filter((p) => !refPathOf(p.ref)?.startsWith("/var/lib/kubelet/"));
      next.findings = next.findings.filter((f) => f.id !== "f-weak");
      await s.recordObservation(next);
      assert.deepEqual(nodesOf((await s.findings(findingPage({ state: "resolved" }))).items.find((f) => f.id === "f-spread")), want);
    });

    it("a location that is gone is removed; a certificate placed nowhere is no longer current", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const next = firstScan(T0 + H);
      next.placements = next.placements.filter((p) => p.ref !== "file:/var/lib/kubelet/pki/kubelet.crt");
      next.certificates = next.certificates.filter((c) => c.fingerprint !== fp("kubelet"));
      const w = await s.recordObservation(next);
      assert.equal(w.placementsClosed, 1);
      const removed = (await s.timeline(timeline({ kind: ["removed"] }))).items;
      assert.deepEqual(removed.map((c) => [c.location.ref, c.oldFingerprint, c.newFingerprint, c.ca, c.location.node]), [["file:/var/lib/kubelet/pki/kubelet.crt", fp("kubelet"), null, false, "worker-1"]]);
      assert.equal((await s.certificates(certPage())).total, 3);
      const all = await s.certificates(certPage({ current: false }));
      assert.equal(all.total, 4);
      const gone = all.items.find((c) => c.fingerprint === fp("kubelet"))!;
      assert.equal(gone.current, false);
      assert.deepEqual(gone.locations, []);
    });

    it("places whose source failed this time (isPreserved) are kept, and their findings stay open", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const next = firstScan(T0 + H);
      next.placements = next.placements.filter((p) => kindOf(p.ref) !== "secret");
      next.findings = next.findings.filter((f) => f.id !== "f-secret");
      next.isPreserved = (ref) => kindOf(ref) === "secret";
      const w = await s.recordObservation(next);
      assert.deepEqual([w.changes, w.findingsResolved], [0, 0]);
      assert.ok((await s.findings(findingPage())).items.some((f) => f.id === "f-secret"));
    });

    it("findings open, resolve and reopen by stable id; worst first, then soonest to break", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const page = await s.findings(findingPage());
      assert.deepEqual(page.items.map((f) => f.id), ["f-expiring-api", "f-weak", "f-secret"]);
      const api = page.items[0]!;
      assert.equal(api.impactAt, new Date(T0 + 5 * D).toISOString());
      assert.equal(api.locations[0]!.path, "/etc/kubernetes/pki/apiserver.crt");
      assert.equal(api.locations[0]!.node, "cp-1");
      assert.equal(api.resolvedAt, null);
      // the API certificate is renewed: its finding resolves
      const renewed = firstScan(T0 + D);
      renewed.findings = renewed.findings.filter((f) => f.id !== "f-expiring-api");
      renewed.findings.find((f) => f.id === "f-weak")!.severity = "critical";
      const w = await s.recordObservation(renewed);
      assert.equal(w.findingsResolved, 1);
      const resolved = await s.findings(findingPage({ state: "resolved" }));
      assert.deepEqual(resolved.items.map((f) => [f.id, f.resolvedAt]), [["f-expiring-api", new Date(T0 + D).toISOString()]]);
      const open = await s.findings(findingPage());
      assert.equal(open.items.find((f) => f.id === "f-weak")?.severity, "critical");
      // it comes back: a new opening, the old one stays resolved
      await s.recordObservation(firstScan(T0 + 2 * D));
      const all = await s.findings(findingPage({ state: "all", rule: ["cert-expiring"] }));
      assert.deepEqual(all.items.map((f) => f.resolvedAt === null), [true, false]);
      assert.equal(all.items[0]!.openedAt, new Date(T0 + 2 * D).toISOString());
    });

    it("filters, facets and pages findings; a cursor it did not hand out is ERR_QUERY_INVALID", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      assert.deepEqual((await s.findings(findingPage({ severity: ["warning", "info"] }))).items.map((f) => f.id), ["f-weak", "f-secret"]);
      assert.deepEqual((await s.findings(findingPage({ node: "worker-1" }))).items.map((f) => f.id), ["f-weak"]);
      assert.deepEqual((await s.findings(findingPage({ namespace: "kubeedge" }))).items.map((f) => f.id), ["f-secret"]);
      const withFacets = await s.findings(findingPage({ facets: true }));
      assert.deepEqual(withFacets.facets, { severity: { critical: 1, warning: 1, info: 1 }, rule: { "cert-expiring": 1, "weak-crypto": 1, "tls-secret-invalid": 1 }, node: { "cp-1": 1, "worker-1": 1 }, namespace: { kubeedge: 1 } });
      const p1 = await s.findings(findingPage({ limit: 2 }));
      assert.equal(p1.total, 3);
      assert.equal(p1.items.length, 2);
      assert.ok(p1.next);
      const p2 = await s.findings(findingPage({ limit: 2, cursor: p1.next }));
      assert.deepEqual(p2.items.map((f) => f.id), ["f-secret"]);
      assert.equal(p2.next, null);
      await assert.rejects(s.findings(findingPage({ cursor: "bm9wZQ" })), { code: "ERR_QUERY_INVALID" });
    });

    it("filters, sorts and pages certificates with their issuers, key presence and locations", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const byExpiry = await s.certificates(certPage());
      // notAfter ascending; the two CAs expire together and are ordered by fingerprint
      const sameExpiry = [fp("root"), fp("inter")].sort().map((f) => (f === fp("root") ? "CN=root" : "CN=inter"));
      assert.deepEqual(byExpiry.items.map((c) => c.subject), ["CN=api", "CN=kubelet", ...sameExpiry]);
      const api = byExpiry.items[0]!;
      assert.deepEqual(api.issuers.map((i) => i.subject), ["CN=inter"]);
      assert.equal(api.keyPresent, true);
      assert.equal(api.caKeyPresent, false);
      assert.equal(api.role, "API server");
      assert.equal(api.node, "cp-1");
      assert.deepEqual(api.dnsNames, ["kubernetes"]);
      assert.deepEqual(api.locations.map((l) => l.ref), ["file:/etc/kubernetes/pki/apiserver.crt"]);
      const root = (await s.certificates(certPage({ q: "cn=ROOT" }))).items[0]!;
      assert.equal(root.caKeyPresent, null);
      assert.deepEqual(root.locations.map((l) => l.ref).sort(), ["file:/etc/kubernetes/pki/ca.crt", "secret:kubeedge/casecret#cadata"]);
      assert.deepEqual((await s.certificates(certPage({ ca: true }))).items.map((c) => c.subject).sort(), ["CN=inter", "CN=root"]);
      assert.deepEqual((await s.certificates(certPage({ node: "worker-1" }))).items.map((c) => c.subject), ["CN=kubelet"]);
      assert.deepEqual((await s.certificates(certPage({ namespace: "kubeedge" }))).items.map((c) => c.subject), ["CN=root"]);
      assert.deepEqual((await s.certificates(certPage({ role: "kubelet serving" }))).items.map((c) => c.subject), ["CN=kubelet"]);
      assert.deepEqual((await s.certificates(certPage({ expiresBefore: T0 + 10 * D }))).items.map((c) => c.subject), ["CN=api"]);
      assert.deepEqual((await s.certificates(certPage({ sort: "subject", order: "desc" }))).items.map((c) => c.subject), ["CN=root", "CN=kubelet", "CN=inter", "CN=api"]);
      assert.deepEqual((await s.certificates(certPage({ q: "100%_" }))).total, 0);
      const p1 = await s.certificates(certPage({ limit: 3 }));
      const p2 = await s.certificates(certPage({ limit: 3, cursor: p1.next! }));
      assert.deepEqual([p1.items.length, p2.items.length, p2.next, p1.total], [3, 1, null, 4]);
    });

    it("one certificate's detail: placements past and present, chain, what it signed, who trusts it, findings, changes", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const next = firstScan(T0 + H);
      next.placements.push(place("file:/backup/ca.crt", "root", { node: "cp-1", backup: true }));
      next.placements = next.placements.filter((p) => p.ref !== "secret:kubeedge/casecret#cadata");
      await s.recordObservation(next);
      const root = await s.certificate(fp("root"), T0);
      assert.ok(root);
      assert.deepEqual(root.placements.map((p) => [p.location.ref, p.to === null]).sort(), [["file:/backup/ca.crt", true], ["file:/etc/kubernetes/pki/ca.crt", true], ["secret:kubeedge/casecret#cadata", false]]);
      assert.deepEqual(root.signed, { total: 1, items: [{ fingerprint: fp("inter"), subject: "CN=inter", isCA: true, notAfter: new Date(T0 + 300 * D).toISOString() }] });
      assert.deepEqual(root.trustedBy, [{ context: "dir:/etc/kubernetes/pki", scope: "server", members: 3 }]);
      assert.equal(root.chain.length, 0);
      assert.deepEqual(root.changes.map((c) => c.kind).sort(), ["appeared", "appeared", "appeared", "removed"]);
      const api = await s.certificate(fp("api"), T0);
      assert.deepEqual(api!.chain.map((c) => c.subject), ["CN=inter", "CN=root"]);
      assert.deepEqual(api!.findings.map((f) => f.id), ["f-expiring-api"]);
      assert.equal(await s.certificate(fp("nothing"), T0), undefined);
    });

    it("the timeline filters by time, location prefix, kind, node, namespace and fingerprint, newest first", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const next = firstScan(T0 + 2 * H);
      next.certificates.push(cert("api-2", { issuers: ["inter"] }));
      next.placements.find((p) => refPathOf(p.ref)?.endsWith("/apiserver.crt"))!.fingerprint = fp("api-2");
      await s.recordObservation(next);
      const all = await s.timeline(timeline());
      assert.equal(all.items[0]!.kind, "changed");
      assert.ok(all.items.every((c, i) => i === 0 || c.at <= all.items[i - 1]!.at));
      assert.equal((await s.timeline(timeline({ since: T0 + H }))).total, 1);
      assert.equal((await s.timeline(timeline({ until: T0 + H }))).total, 5);
      assert.equal((await s.timeline(timeline({ locationPrefix: "file:/etc/kubernetes/" }))).total, 4);
      assert.equal((await s.timeline(timeline({ locationPrefix: "FILE:/etc/" }))).total, 0);
      assert.equal((await s.timeline(timeline({ locationPrefix: "secret:kubeedge/" }))).total, 1);
      assert.equal((await s.timeline(timeline({ node: "worker-1" }))).total, 1);
      assert.equal((await s.timeline(timeline({ namespace: "kubeedge" }))).total, 1);
      assert.equal((await s.timeline(timeline({ fingerprint: fp("api") }))).total, 2);
      assert.equal((await s.timeline(timeline({ fingerprint: fp("api-2") }))).total, 1);
      assert.equal((await s.timeline(timeline({ caOnly: true }))).total, 3);
      const p1 = await s.timeline(timeline({ limit: 4 }));
      const p2 = await s.timeline(timeline({ limit: 4, cursor: p1.next! }));
      assert.deepEqual(new Set([...p1.items, ...p2.items].map((c) => c.id)).size, 6);
    });

    it("pages by keyset: rows stored between two page reads neither repeat nor skip an item; every order walks every row once; a cursor of another order is refused", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const f1 = await s.findings(findingPage({ limit: 2 }));
      const c1 = await s.certificates(certPage({ limit: 2 }));
      const t1 = await s.timeline(timeline({ limit: 3 }));
      // then a scan adds a finding, a certificate and a change that each sort before the first page's end
      const grown = firstScan(T0 + H);
      grown.findings.push(finding("f-expired", "cert-expired", "critical", { impactAt: T0 - D }));
      grown.certificates.push(cert("early", { notAfter: T0 + D }));
      grown.placements.push(place("file:/etc/kubernetes/pki/early.crt", "early", { node: "cp-1" }));
      await s.recordObservation(grown);
      const f2 = await s.findings(findingPage({ limit: 2, cursor: f1.next! }));
      assert.deepEqual([...f1.items, ...f2.items].map((f) => f.id), ["f-expiring-api", "f-weak", "f-secret"]);
      const c2 = await s.certificates(certPage({ limit: 2, cursor: c1.next! }));
      assert.deepEqual([...c1.items, ...c2.items].map((c) => c.subject).slice(0, 2), ["CN=api", "CN=kubelet"]);
      assert.deepEqual(c2.items.map((c) => c.subject).sort(), ["CN=inter", "CN=root"]);
      const t2 = await s.timeline(timeline({ limit: 3, cursor: t1.next! }));
      const walked = [...t1.items, ...t2.items].map((c) => c.id);
      assert.deepEqual([walked.length, new Set(walked).size], [5, 5]);
      assert.ok(t2.items.every((c) => c.at === new Date(T0).toISOString()), "the new change sorts first: not on a later page");
      assert.equal(t2.next, null);

      // one item per page, in every order (role, node and namespace are NULL for some: they come last)
      for (const sort of ["notAfter", "subject", "role", "node", "namespace"] as const) {
        for (const order of ["asc", "desc"] as const) {
          const whole = (await s.certificates(certPage({ sort, order }))).items.map((c) => c.fingerprint);
          const paged: string[] = [];
          let cursor: string | undefined;
          do {
            const p = await s.certificates(certPage({ sort, order, limit: 1, cursor }));
            paged.push(...p.items.map((c) => c.fingerprint));
            cursor = p.next ?? undefined;
          } while (cursor !== undefined && paged.length <= whole.length);
          assert.deepEqual(paged, whole, `${sort} ${order}`);
        }
      }
      const findingsOneByOne: string[] = [];
      for (let p = await s.findings(findingPage({ limit: 1 })); ; p = await s.findings(findingPage({ limit: 1, cursor: p.next! }))) {
        findingsOneByOne.push(...p.items.map((f) => f.id));
        if (p.next === null) break;
      }
      assert.deepEqual(findingsOneByOne, (await s.findings(findingPage())).items.map((f) => f.id));

      await assert.rejects(s.certificates(certPage({ sort: "subject", cursor: c1.next! })), { code: "ERR_QUERY_INVALID" });
      await assert.rejects(s.timeline(timeline({ cursor: f1.next! })), { code: "ERR_QUERY_INVALID" });
      const forged = Buffer.from(JSON.stringify(["findings", ["worst", null, "r", "i", 1, 1]])).toString("base64url");
      await assert.rejects(s.findings(findingPage({ cursor: forged })), { code: "ERR_QUERY_INVALID" });
    });

    it("the trust graph: CAs with what they signed, edges of the hierarchy, and divergent CA identities", async () => {
      const s = await fresh();
      const obs = firstScan();
      obs.certificates.push(cert("root-b", { isCA: true }));
      obs.placements.push(place("file:/etc/kubernetes/pki/ca-other.crt", "root-b", { node: "cp-2", caIdentity: "kubeadm:ca" }));
      await s.recordObservation(obs);
      const g = await s.trustGraph(1);
      assert.deepEqual(g.cas.map((c) => c.subject), ["CN=inter", "CN=root", "CN=root-b"]);
      const inter = g.cas[0]!;
      assert.equal(inter.signedCount, 2);
      assert.equal(inter.signed.length, 1);
      assert.equal(inter.selfSigned, false);
      const root = g.cas[1]!;
      assert.equal(root.selfSigned, true);
      assert.equal(root.keyPresent, true);
      assert.deepEqual(root.caIdentities, ["kubeadm:ca"]);
      assert.ok(g.edges.some((e) => e.issuer === fp("root") && e.subject === fp("inter")));
      assert.deepEqual(g.variants, [{ identity: "kubeadm:ca", certificates: [fp("root"), fp("root-b")].sort() }]);
    });

    it("agent reports are stored once per (agentId, sequence); nodes show agent status and counts", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const meta = { agentId: "8f0c2f7e-0000-4000-8000-000000000001", sequence: 7, node: "worker-1", agentVersion: "0.1.0", receivedAt: T0 + H, scannedAt: T0 + H - 5000, dropped: 2 };
      const obs = observation(T0 + H, [cert("agent-kubelet", { issuers: ["inter"] })], [place("file:/var/lib/kubelet/pki/kubelet-client-current.pem", "agent-kubelet", { node: "worker-1", source: { kind: "agent", name: "worker-1" } })], [finding("f-agent", "cert-expiring", "warning", { node: "worker-1", locations: ["file:/var/lib/kubelet/pki/kubelet-client-current.pem"] })], { scope: "agent:worker-1", source: { kind: "agent", name: "worker-1" } });
      const first = await s.recordAgentReport(meta, obs);
      assert.equal(first.stored, true);
      const again = await s.recordAgentReport(meta, obs);
      assert.deepEqual(again, { stored: false, duplicate: true });
      assert.equal((await s.timeline(timeline({ locationPrefix: "file:/var/lib/kubelet/pki/kubelet-client" }))).total, 1);
      const nodes = await s.nodes(T0 + 2 * H, 3 * H);
      assert.deepEqual(nodes.map((n) => n.name), ["cp-1", "worker-1"]);
      const w1 = nodes[1]!;
      assert.deepEqual(w1.agent, { status: "ok", agentId: meta.agentId, lastReportAt: new Date(T0 + H).toISOString(), lastSequence: 7, agentVersion: "0.1.0", dropped: 2 });
      assert.equal(w1.certificates, 2);
      assert.deepEqual(w1.findings, { critical: 0, warning: 2, info: 0 });
      assert.equal(nodes[0]!.agent.status, "none");
      assert.equal((await s.nodes(T0 + 5 * H, 3 * H))[1]!.agent.status, "silent");
      assert.deepEqual(await s.agents(), [{ agentId: meta.agentId, node: "worker-1", lastReportAt: T0 + H, lastSequence: 7 }]);
      // the agent's scope is its own: the server's next scan does not remove what the agent reported
      await s.recordObservation(firstScan(T0 + 2 * H));
      assert.equal((await s.certificates(certPage({ node: "worker-1" }))).total, 2);
      assert.deepEqual(await s.namespaces(), [{ name: "kubeedge", certificates: 1, findings: { critical: 0, warning: 0, info: 1 } }]);
    });

    it("agent reports arriving together are written in one batch: each stored once, a re-sent one a duplicate, a broken one fails alone", async () => {
      const s = await fresh();
      const report = (n: number, sequence: number, severity: Severity = "warning") => {
        const node = `worker-${n}`;
        const meta = { agentId: `8f0c2f7e-0000-4000-8000-00000000000${n}`, sequence, node, agentVersion: "0.1.0", receivedAt: T0 + n, scannedAt: T0, dropped: 0 };
        const source = { kind: "agent" as const, name: node };
        const obs = observation(T0, [cert("shared-ca", { isCA: true }), cert(`kubelet-${n}`, { issuers: ["shared-ca"] })], [place("file:/etc/kubernetes/pki/ca.crt", "shared-ca", { node, source }), place("file:/var/lib/kubelet/pki/kubelet.crt", `kubelet-${n}`, { node, source })], [finding("f-kubelet", "cert-expiring", severity, { node, certificates: [fp(`kubelet-${n}`)], locations: ["file:/var/lib/kubelet/pki/kubelet.crt"] })], { scope: `agent:${node}`, source });
        return s.recordAgentReport(meta, obs);
      };
      const results = await Promise.allSettled([report(1, 1), report(2, 1), report(3, 1, "nonsense" as Severity), report(1, 1), report(4, 1)]);
      const outcome = results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : r.value.stored ? "stored" : "duplicate"));
      assert.deepEqual(outcome, ["stored", "stored", "ERR_STORE_WRITE", "duplicate", "stored"]);
      const changes = (await s.timeline(timeline())).items;
      assert.deepEqual([...new Set(changes.map((c) => c.scope))].sort(), ["agent:worker-1", "agent:worker-2", "agent:worker-4"]);
      assert.equal(changes.length, 6);
      assert.equal((await s.findings(findingPage())).total, 3);
      assert.deepEqual((await s.agents()).map((a) => a.node).sort(), ["worker-1", "worker-2", "worker-4"]);
      const ca = await s.certificate(fp("shared-ca"), T0);
      assert.equal(ca?.placements.length, 3);
      assert.equal(ca?.signed.total, 3);
      // the broken one alone, fixed, is stored
      assert.equal((await report(3, 1)).stored, true);
    });

    it("current placements of the agents' scopes with their certificates, and a marker that moves only when a report says something new", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      let sequence = 0;
      const report = (node: string, at: number, placements: ObservedPlacement[]) => {
        const source = { kind: "agent" as const, name: node };
        return s.recordAgentReport(
          { agentId: `8f0c2f7e-0000-4000-8000-0000000000${node.slice(-2)}`, sequence: ++sequence, node, agentVersion: "0.1.0", receivedAt: at, scannedAt: at, dropped: 0 },
          observation(at, [cert("shared-ca", { isCA: true, subject: "CN=shared\\, CA,O=x" }), cert("kubelet-a", { issuers: ["shared-ca"], serialNumber: "00ff" })], placements.map((p) => ({ ...p, node, source })), [], { scope: `agent:${node}`, source }),
        );
      };
      const empty = await s.placementsMarker("agent:");
      await report("worker-01", T0, [place("file:/etc/kubernetes/pki/ca.crt", "shared-ca", { role: "cluster CA" }), place("file:/var/lib/kubelet/pki/kubelet.crt", "kubelet-a")]);
      await report("worker-02", T0, [place("file:/etc/kubernetes/pki/ca.crt", "shared-ca")]);
      const m1 = await s.placementsMarker("agent:");
      assert.notEqual(m1, empty);
      const current = await s.currentPlacements("agent:");
      assert.deepEqual(
        current.map((p) => [p.scope, p.ref, p.node, p.role, p.backup, p.fingerprint]),
        [
          ["agent:worker-01", "file:/etc/kubernetes/pki/ca.crt", "worker-01", "cluster CA", false, fp("shared-ca")],
          ["agent:worker-01", "file:/var/lib/kubelet/pki/kubelet.crt", "worker-01", null, false, fp("kubelet-a")],
          ["agent:worker-02", "file:/etc/kubernetes/pki/ca.crt", "worker-02", null, false, fp("shared-ca")],
        ],
      );
      const kubelet = current[1]!;
      assert.deepEqual([kubelet.serialNumber, kubelet.subject, kubelet.issuer, kubelet.notBefore, kubelet.notAfter, kubelet.isCA], ["00ff", "CN=kubelet-a", "CN=shared-ca", T0 - 30 * D, T0 + 300 * D, false]);
      assert.equal(current[0]!.subject, "CN=shared\\, CA,O=x");
      assert.equal(current[0]!.isCA, true);
      // the server's own scan is not an agent's
      assert.ok(current.every((p) => p.scope.startsWith("agent:")));
      // the same report again: the marker stays; the kubelet file becoming a backup moves it
      await report("worker-02", T0 + 60_000, [place("file:/etc/kubernetes/pki/ca.crt", "shared-ca")]);
      assert.equal(await s.placementsMarker("agent:"), m1);
      await report("worker-01", T0 + 2 * 60_000, [place("file:/etc/kubernetes/pki/ca.crt", "shared-ca", { role: "cluster CA" }), place("file:/var/lib/kubelet/pki/kubelet.crt", "kubelet-a", { backup: true })]);
      assert.notEqual(await s.placementsMarker("agent:"), m1);
      assert.equal((await s.currentPlacements("agent:"))[1]!.backup, true);
      // a location no longer reported is no longer current
      await report("worker-02", T0 + 3 * 60_000, []);
      assert.deepEqual((await s.currentPlacements("agent:")).map((p) => p.node), ["worker-01", "worker-01"]);
    });

    it("a report that says what the last one said records only its scan; lastSeen moves on by the hour; A, B, A again is two changes back", async () => {
      const s = await fresh();
      const source = { kind: "agent" as const, name: "worker-9" };
      let sequence = 0;
      const report = (at: number, kubelet: string) =>
        s.recordAgentReport(
          { agentId: "8f0c2f7e-0000-4000-8000-000000000009", sequence: ++sequence, node: "worker-9", agentVersion: "0.1.0", receivedAt: at, scannedAt: at, dropped: 0 },
          observation(at, [cert(kubelet)], [place("file:/var/lib/kubelet/pki/kubelet.crt", kubelet, { node: "worker-9", source })], [], { scope: "agent:worker-9", source }),
        );
      const first = await report(T0, "kubelet-a");
      assert.ok(first.stored && first.summary.changes === 1);
      const same = await report(T0 + 10 * 60_000, "kubelet-a");
      assert.ok(same.stored && same.summary.changes === 0 && same.summary.scanId > first.summary.scanId);
      assert.equal((await s.status()).lastScanId, same.stored ? same.summary.scanId : -1);
      const lastSeen = async () => (await s.certificate(fp("kubelet-a"), T0))?.lastSeen;
      assert.equal(await lastSeen(), new Date(T0).toISOString());
      await report(T0 + H + 60_000, "kubelet-a");
      assert.equal(await lastSeen(), new Date(T0 + H + 60_000).toISOString());
      const b = await report(T0 + H + 2 * 60_000, "kubelet-b");
      const a = await report(T0 + H + 3 * 60_000, "kubelet-a");
      assert.ok(b.stored && a.stored);
      assert.deepEqual([b.summary.changes, a.summary.changes], [1, 1]);
      const [last] = (await s.timeline(timeline())).items;
      assert.deepEqual([last?.kind, last?.oldFingerprint, last?.newFingerprint], ["changed", fp("kubelet-b"), fp("kubelet-a")]);
    });

    it("a write that fails is rolled back whole, shown in status() as ERR_STORE_WRITE, and cleared by the next good write", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      const bad = firstScan(T0 + H);
      bad.certificates.push(cert("half-written"));
      bad.placements.push(place("file:/half.crt", "half-written"));
      bad.findings.push(finding("f-bad", "weak-crypto", "nonsense" as Severity));
      await assert.rejects(s.recordObservation(bad), { code: "ERR_STORE_WRITE" });
      const st = await s.status();
      assert.equal(st.ok, false);
      assert.equal(st.error?.code, "ERR_STORE_WRITE");
      assert.equal(st.generation, 1);
      assert.equal((await s.certificates(certPage({ current: false }))).total, 4);
      assert.equal((await s.timeline(timeline())).total, 5);
      await s.recordObservation(firstScan(T0 + 2 * H));
      assert.equal((await s.status()).ok, true);
    });

    it("retention deletes old history in batches and keeps what is current", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      for (let i = 1; i <= 6; i++) {
        const next = firstScan(T0 + i * D);
        const name = `api-${i}`;
        next.certificates = next.certificates.filter((c) => c.fingerprint !== fp("api"));
        next.certificates.push(cert(name, { issuers: ["inter"] }));
        next.placements.find((p) => refPathOf(p.ref)?.endsWith("/apiserver.crt"))!.fingerprint = fp(name);
        await s.recordObservation(next);
      }
      assert.equal((await s.timeline(timeline())).total, 11);
      const r = await s.prune(T0 + 4 * D, 2);
      assert.ok(r.batches > 1, `batches ${r.batches}`);
      assert.ok(r.deleted >= 9, `deleted ${r.deleted}`);
      const left = await s.timeline(timeline());
      assert.ok(left.items.every((c) => Date.parse(c.at) >= T0 + 4 * D));
      assert.equal(left.total, 3);
      assert.equal((await s.certificates(certPage())).total, 4);
      assert.equal(await s.certificate(fp("api-1"), T0), undefined);
      assert.ok(await s.certificate(fp("api-4"), T0));
      assert.equal((await s.findings(findingPage())).total, 3);
      assert.equal((await s.status()).lastScanAt, new Date(T0 + 6 * D).toISOString());
    });

    it("what was committed survives a reopen, with the schema migrated once", async () => {
      const s = await fresh();
      await s.recordObservation(firstScan());
      await s.close();
      store = await fixture.reopen();
      assert.equal((await store.status()).generation, 1);
      assert.equal((await store.timeline(timeline())).total, 5);
      const w = await store.recordObservation(firstScan(T0 + H));
      assert.equal(w.changes, 0);
    });
  });
}
