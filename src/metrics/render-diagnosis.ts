/**
 * certdoctor's diagnosis families. Static ones (rendered once per state): findings by rule and severity,
 * one info series per open finding, CA divergence per layout CA identity, endpoint state, last scan,
 * agents' last report, store health. Dynamic ones (a few series, rendered at every scrape because their
 * value is an age): the oldest pending CSR per signer and node, agents' report age.
 */
import { parseRef } from "../model/ref.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Finding, Severity } from "../model/finding.js";
import type { Location } from "../model/inventory.js";
import { isDecided } from "../rules/support/csr.js";
import { addressOf, presentedLeaf } from "../rules/support/endpoint.js";
import type { Rule } from "../rules/rule.js";
import { findingId } from "./finding-id.js";
import type { MetricsState } from "./state.js";
import { escapeLabelValue as esc, type ExpositionWriter } from "./text-format.js";

const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

/** `NS` of a `secret:NS/NAME#KEY` or `configmap:NS/NAME#KEY` ref, else "". */
function namespaceOf(ref: string): string {
  const value = parseRef(ref);
  return value?.kind === "secret" || value?.kind === "configmap" ? (value.namespace ?? "") : "";
}

/** Locations by ref, only for the refs asked for (one pass over the inventory). */
function locationsByRef(inv: Inventory, refs: ReadonlySet<string>): Map<string, Location> {
  const out = new Map<string, Location>();
  if (refs.size === 0) return out;
  for (const cert of inv.certs) for (const l of cert.locations) if (refs.has(l.ref)) out.set(l.ref, l);
  for (const k of inv.keys) if (refs.has(k.location.ref)) out.set(k.location.ref, k.location);
  return out;
}

export function writeFindingFamilies(w: ExpositionWriter, findings: readonly Finding[], inv: Inventory, rules: readonly Rule[]): void {
  const counts = new Map<string, number>();
  for (const rule of rules) for (const sev of SEVERITIES) counts.set(`${rule.id}\0${sev}`, 0);
  for (const f of findings) counts.set(`${f.rule}\0${f.severity}`, (counts.get(`${f.rule}\0${f.severity}`) ?? 0) + 1);
  w.family("certdoctor_findings", "gauge", "Open findings by rule and severity (docs/rules.md).");
  for (const [key, n] of counts) {
    const [rule, severity] = key.split("\0") as [string, string];
    w.sample(`rule="${esc(rule)}",severity="${severity}"`, n);
  }

  const refs = new Set<string>();
  for (const f of findings) for (const r of f.locations) refs.add(r);
  const byRef = locationsByRef(inv, refs);
  w.family(
    "certdoctor_finding_info",
    "info",
    "One series per open finding: its rule, severity, stable id, the node and namespace of its first location and that location's ref.",
  );
  const seen = new Set<string>();
  for (const f of findings) {
    const id = findingId(f);
    if (seen.has(id)) continue;
    seen.add(id);
    const first = f.locations[0] ?? "";
    const node = f.locations.map((r) => byRef.get(r)?.node).find((n) => n !== undefined && n !== "") ?? "";
    const namespace = f.locations.map(namespaceOf).find((n) => n !== "") ?? "";
    w.sample(`rule="${esc(f.rule)}",severity="${f.severity}",finding_id="${id}",node="${esc(node)}",namespace="${esc(namespace)}",ref="${esc(first)}"`, 1);
  }
}

/** Distinct CA keys per layout CA identity (every location with one identity should hold one key): 1 is healthy. */
export function writeCaDivergence(w: ExpositionWriter, inv: Inventory): void {
  const keys = new Map<string, Set<string>>();
  for (const cert of inv.certs) {
    if (!cert.record.isCA) continue;
    for (const l of cert.locations) {
      if (l.backup || l.caIdentity === undefined) continue;
      let set = keys.get(l.caIdentity);
      if (set === undefined) keys.set(l.caIdentity, (set = new Set()));
      set.add(cert.record.spkiFingerprint);
    }
  }
  w.family("certdoctor_ca_divergence", "gauge", "Distinct keys found for one layout CA identity (ca-divergence): 1 is healthy, more means places that must agree hold different CAs.");
  for (const [identity, set] of [...keys].sort((a, b) => (a[0] < b[0] ? -1 : 1))) w.sample(`ca_identity="${esc(identity)}"`, set.size);
}

/** Per probed endpoint: up, served-vs-stored (served-cert-stale), and the served leaf's notAfter. */
export function writeEndpoints(w: ExpositionWriter, inv: Inventory, findings: readonly Finding[]): void {
  const stale = new Set<string>();
  for (const f of findings) if (f.rule === "served-cert-stale") for (const r of f.locations) stale.add(r);
  const rows = inv.endpoints.map((ep) => ({ ep, labels: `endpoint="${esc(addressOf(ep))}",server_name="${esc(ep.sni ?? "")}"` }));
  w.family("certdoctor_endpoint_up", "gauge", "1 if the TLS handshake with the endpoint succeeded in the last probe.");
  for (const { ep, labels } of rows) w.sample(labels, ep.error === undefined ? 1 : 0);
  w.family("certdoctor_endpoint_served_stale", "gauge", "1 if the endpoint serves an older certificate than the one stored for it (served-cert-stale): renewed but not reloaded.");
  for (const { ep, labels } of rows) w.sample(labels, stale.has(ep.ref) ? 1 : 0);
  w.family("certdoctor_endpoint_cert_not_after_seconds", "gauge", "Unix timestamp of the NotAfter of the certificate the endpoint presented.");
  for (const { ep, labels } of rows) {
    const leaf = presentedLeaf(inv, ep);
    if (leaf) w.sample(labels, leaf.record.notAfter / 1000);
  }
}

export function writeStateFamilies(w: ExpositionWriter, state: MetricsState): void {
  w.family("certdoctor_last_scan_timestamp_seconds", "gauge", "When the exposed state was evaluated (the scan's now).");
  if (state.diagnosed.evaluatedAt !== undefined) w.sample("", state.diagnosed.evaluatedAt.getTime() / 1000);
}

/**
 * Families written at every scrape: ages at `now`, and the server's agents and store, which change
 * without a new state version. A few series each.
 */
export function writeDynamicFamilies(w: ExpositionWriter, state: MetricsState, now: number): void {
  w.family("certdoctor_agent_last_report_timestamp_seconds", "gauge", "When the node's agent last reported.");
  for (const a of state.agents ?? []) w.sample(`node="${esc(a.node)}"`, a.lastReportAt / 1000);
  if (state.store !== undefined) {
    w.family("certdoctor_store_up", "gauge", "1 if the history store answered at the last check.");
    w.sample(`backend="${esc(state.store.backend)}"`, state.store.up ? 1 : 0);
  }
  const oldest = new Map<string, number>();
  for (const csr of state.diagnosed.inventory.kubeCsrs) {
    if (isDecided(csr) || csr.createdAt === undefined) continue;
    const node = csr.username?.startsWith("system:node:") ? csr.username.slice("system:node:".length) : "";
    const key = `signer="${esc(csr.signerName)}",node="${esc(node)}"`;
    oldest.set(key, Math.min(oldest.get(key) ?? Infinity, csr.createdAt));
  }
  w.family("certdoctor_csr_pending_seconds", "gauge", "Age of the oldest CertificateSigningRequest with no Approved, Denied or Failed condition, per signer and requesting node.");
  for (const [labels, created] of oldest) w.sample(labels, Math.max(0, (now - created) / 1000));
  w.family("certdoctor_agent_last_report_age_seconds", "gauge", "Seconds since the node's agent last reported.");
  for (const a of state.agents ?? []) w.sample(`node="${esc(a.node)}"`, Math.max(0, (now - a.lastReportAt) / 1000));
}
