/**
 * Repair `kubeedge-ca-resync`: the edge node's /etc/kubeedge/ca/rootCA.crt no longer verifies the serving
 * certificate CloudCore presents (chain-untrusted on the CloudCore endpoint the policy names: edgecore's
 * "x509: certificate signed by unknown authority"). The CA is fetched again from CloudCore's CA endpoint and
 * installed with the ca-sync machinery, but only when all hold: it is the one certificate in the answer and
 * parses cleanly, its SHA-256 is one of the policy's pins, it is a CA (keyCertSign) within its validity, and
 * it verifies the chain CloudCore presents right now (a fresh probe, judged with Go's verifier as the
 * detector was). The old file stays as a timestamped hard-link backup; edge certificates are not touched.
 */
import { scan } from "../../engine/scan.js";
import type { ScanResult } from "../../engine/types.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";
import { endpointRef, formatRef, parseRef } from "../../model/ref.js";
import type { Source } from "../../model/scan.js";
import { planCaSync, type CaSyncPlan } from "../../remedy/ca-sync.js";
import { endpointAddress, endpointSource, type EndpointTarget } from "../../sources/tls-endpoint/index.js";
import { fetchCa } from "./ca-fetch.js";
import { backupName, hardLink, removeLeftoverTemps } from "./file-ops.js";
import { hostPath, refuseOutsideCertificateDirs } from "./guard.js";
import { parseMaterial, readMaterial, sha256, type FileMaterial } from "./material.js";
import type { KubeedgeResyncPolicy } from "./policy.js";
import type { HealCandidate, HealCheck, HealContext, HealVerification, PreparedAction, Repair } from "./types.js";

const ROOT_CA = "/etc/kubeedge/ca/rootCA.crt";
const UNTRUSTED = "chain-untrusted";
const RESTART = "restart edgecore (systemctl restart edgecore) so it loads the new rootCA.crt; edgecore re-requests its edge certificate from CloudCore";

function servingTarget(policy: KubeedgeResyncPolicy): EndpointTarget {
  return { host: policy.cloudcore, port: policy.servingPort };
}

function policyOf(ctx: HealContext): KubeedgeResyncPolicy {
  return ctx.policy.repairs["kubeedge-ca-resync"]!;
}

export const kubeedgeCaResync: Repair = {
  id: "kubeedge-ca-resync",

  /** CloudCore's serving port, judged against the node's rootCA.crt (its ca= anchor). */
  sources(ctx: HealContext): Source[] {
    const policy = policyOf(ctx);
    return [endpointSource([{ ...servingTarget(policy), ca: hostPath(ctx.root, ROOT_CA) }], { timeoutMs: policy.timeoutMs, clientCAs: false })];
  },

  detect(result: ScanResult, ctx: HealContext): HealCandidate[] {
    const policy = policyOf(ctx);
    const ref = formatRef(endpointRef(endpointAddress(servingTarget(policy))));
    const finding = result.findings.find((f) => f.rule === UNTRUSTED && f.locations.includes(ref));
    if (finding === undefined) return [];
    const current = result.certificates.find((c) => c.locations.some((l) => !l.backup && l.path === hostPath(ctx.root, ROOT_CA)));
    return [
      {
        repair: "kubeedge-ca-resync",
        target: ROOT_CA,
        found: { rule: UNTRUSTED, ref, detail: finding.goError ?? finding.title },
        key: `kubeedge-ca-resync|${ROOT_CA}|${current?.record.fingerprint ?? "?"}|${finding.certificates[0] ?? "?"}`,
      },
    ];
  },

  async prepare(candidate: HealCandidate, ctx: HealContext, result: ScanResult): Promise<PreparedAction> {
    const policy = policyOf(ctx);
    const checks: HealCheck[] = [];
    const refused = (): PreparedAction => ({ checks, planned: [], undo: [] });
    const check = (name: string, ok: boolean, detail: string) => {
      checks.push({ name, ok, detail });
      return ok;
    };
    const path = hostPath(ctx.root, ROOT_CA);
    const outside = refuseOutsideCertificateDirs(ctx.root, ROOT_CA);
    if (!check("InsideCertificateDirs", outside === undefined, outside ?? `${ROOT_CA} is in a known certificate directory reached through real directories`)) return refused();
    let current: FileMaterial;
    try {
      current = readMaterial(path);
    } catch (err) {
      check("CurrentCaReadable", false, `${ROOT_CA} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); only an existing CA file is replaced`);
      return refused();
    }
    const one = current.certs.length === 1 && current.keys.length === 0 && current.otherBlocks === 0 && current.unparseable.length === 0;
    if (!check("CurrentCaReadable", one, one ? `${ROOT_CA} holds ${current.certs[0]!.record.subject} (${current.certs[0]!.record.fingerprint})` : `${ROOT_CA} does not hold exactly one cleanly parsed certificate and nothing else`)) return refused();

    const fetched = await fetchCa(policy.caUrl, policy.timeoutMs, policy.maxCaBytes);
    const where = `${policy.caUrl.origin}${policy.caUrl.pathname}`;
    if (!check("CaFetched", fetched.ok, fetched.ok ? `${fetched.bytes.length} bytes from ${where} in ${fetched.ms} ms` : `${where}: ${fetched.reason}`)) return refused();
    const material = parseMaterial((fetched as { bytes: Buffer }).bytes);
    const single = material.certs.length === 1 && material.keys.length === 0 && material.unparseable.length === 0;
    if (!check("FetchedParseable", single, single ? `one certificate: ${material.certs[0]!.record.subject}` : `the answer holds ${material.certs.length} certificate(s)${material.unparseable.length > 0 ? `, one does not parse cleanly (${material.unparseable[0]})` : ""}${material.keys.length > 0 ? " and a private key" : ""}`)) return refused();
    const fetchedCa = material.certs[0]!;
    const fp = fetchedCa.record.fingerprint;
    const pinned = policy.pinnedSha256.includes(fp);
    const ca = fetchedCa.record.isCA && (fetchedCa.record.keyUsage.length === 0 || fetchedCa.record.keyUsage.includes("keyCertSign"));
    const valid = fetchedCa.record.notBefore <= ctx.now.getTime() && ctx.now.getTime() < fetchedCa.record.notAfter;
    const ok = [
      check("PinMatches", pinned, pinned ? `SHA-256 ${fp} is pinned by the policy` : `SHA-256 ${fp} is not one of the policy's pinnedSha256`),
      check("IsCa", ca, ca ? "basicConstraints CA:TRUE, may sign certificates" : `${fetchedCa.record.subject} is not a CA certificate${fetchedCa.record.isCA ? " (its key usage lacks keyCertSign)" : ""}`),
      check("WithinValidity", valid, `valid ${new Date(fetchedCa.record.notBefore).toISOString()} to ${new Date(fetchedCa.record.notAfter).toISOString()}`),
    ].every(Boolean);
    if (!ok) return refused();
    const serving = await verifiesServing(policy, fetchedCa.der, ctx.now);
    if (!check("VerifiesServingCert", serving.ok, serving.detail)) return refused();

    const plan = planCaSync(result.inventory, { name: where, der: fetchedCa.der, record: fetchedCa.record }, [path], { now: ctx.now, force: true });
    const target = plan.targets[0]!;
    const planOk = plan.ok && target.action === "replace" && target.body !== undefined;
    if (!check("CaSyncPlan", planOk, planOk ? describeLeaves(plan) : [...plan.sourceReasons, ...target.reasons].join("; ") || `ca-sync would ${target.action} ${ROOT_CA}`)) return refused();
    const body = target.body!;
    const backup = backupName(path, ctx.now);
    const nodeBackup = backup.slice(ctx.root.replace(/\/$/, "").length);
    const oldFingerprint = current.certs[0]!.record.fingerprint;
    const planned = [{ path: ROOT_CA, action: "replaced" as const, oldFingerprint, newFingerprint: fp, backup: nodeBackup }];
    return {
      checks,
      planned,
      undo: [{ op: "restore-content", path: ROOT_CA, backup: nodeBackup, expectSha256: sha256(body) }],
      restart: RESTART,
      apply(hooks) {
        const again = refuseOutsideCertificateDirs(ctx.root, ROOT_CA);
        if (again !== undefined) throw Object.assign(new Error(again), { code: "EUNSAFE" });
        if (readMaterial(path).sha256 !== current.sha256) throw Object.assign(new Error(`${ROOT_CA} changed since it was checked`), { code: "ECHANGED" });
        hooks.beforeWrite?.();
        removeLeftoverTemps(path);
        hardLink(path, backup);
        writeFileAtomic(path, body);
        if (readMaterial(path).certs[0]?.record.fingerprint !== fp) throw Object.assign(new Error(`${ROOT_CA} does not read back as the new CA`), { code: "EREADBACK" });
      },
    };
  },

  verify(rescan: ScanResult, candidate: HealCandidate, ctx: HealContext): HealVerification {
    const still = rescan.findings.some((f) => f.rule === UNTRUSTED && f.locations.includes(candidate.found.ref));
    const endpoint = rescan.endpoints.find((e) => e.ref === candidate.found.ref);
    const probed = endpoint !== undefined && endpoint.error === undefined && endpoint.chain.length > 0;
    const ok = !still && probed;
    const remaining = [...new Set(rescan.findings.filter((f) => f.locations.some((l) => l === candidate.found.ref || parseRef(l)?.location === hostPath(ctx.root, ROOT_CA))).map((f) => f.rule))].sort();
    return {
      ok,
      cleared: still ? [] : [UNTRUSTED],
      remaining,
      detail: ok
        ? `the rescan verifies CloudCore's serving certificate with ${ROOT_CA}: ${UNTRUSTED} cleared`
        : still
          ? `the rescan still reports ${UNTRUSTED} on ${candidate.found.ref}`
          : `the rescan could not probe ${candidate.found.ref} (${endpoint?.error?.code ?? "no answer"})`,
    };
  },
};

/** A fresh probe of CloudCore's serving port, its chain judged against the fetched CA alone by the same rule as the detector. */
async function verifiesServing(policy: KubeedgeResyncPolicy, caDer: Buffer, now: Date): Promise<{ ok: boolean; detail: string }> {
  const target = servingTarget(policy);
  const ref = formatRef(endpointRef(endpointAddress(target)));
  const caRef = formatRef(endpointRef(`${policy.caUrl.host}`, "ca.crt"));
  const trial = await scan({
    paths: [],
    sources: [endpointSource([{ ...target, caData: { ref: caRef, bytes: caDer } }], { timeoutMs: policy.timeoutMs, clientCAs: false })],
    now,
    warnDays: 30,
    critDays: 7,
    workers: 0,
  });
  const endpoint = trial.endpoints.find((e) => e.ref === ref);
  if (endpoint === undefined || endpoint.error !== undefined || endpoint.chain.length === 0) {
    return { ok: false, detail: `${ref} presented no certificate (${endpoint?.error?.code ?? "no answer"}): nothing to verify the fetched CA against` };
  }
  const untrusted = trial.findings.find((f) => f.rule === UNTRUSTED && f.locations.includes(ref));
  if (untrusted !== undefined) return { ok: false, detail: `the fetched CA does not verify the certificate ${ref} presents now: ${untrusted.goError ?? untrusted.title}` };
  const leaf = trial.certificates.find((c) => c.locations.some((l) => l.ref === endpoint.chain[0]));
  return { ok: true, detail: `the fetched CA verifies the certificate ${ref} presents now (${leaf?.record.subject ?? "leaf"})` };
}

function describeLeaves(plan: CaSyncPlan): string {
  const leaves = plan.targets[0]!.leaves;
  const stale = leaves.filter((l) => l.today && !l.after);
  const base = `ca-sync replaces ${ROOT_CA} (PEM/DER kept as it was)`;
  return stale.length === 0 ? base : `${base}; signed by the old CA, re-requested by edgecore after its restart: ${stale.map((l) => l.ref.replace(/^file:.*(\/etc\/kubeedge\/)/, "$1")).join(", ")}`;
}


