/**
 * The expiry overview for a terminal, in the columns of `kubeadm certs check-expiration`:
 * CERTIFICATE, NODE/NS (node or namespace), EXPIRES, RESIDUAL, CA (the issuer's common name), CA KEY.
 * The name columns share what the fixed ones leave of the width; long names are cut with "…".
 */
import { basename } from "node:path";
import { escapeInput } from "./terminal-safe.js";
import type { ScanResult } from "../engine/types.js";
import { buildOverview, type OverviewRow } from "./cert-overview.js";
import type { ReportContext } from "./formats.js";
import { renderHeader } from "./table.js";
import { wrap } from "./wrap.js";

const GAP = "  ";

export function renderOverviewTable(result: ScanResult, ctx: Pick<ReportContext, "width" | "cwd" | "target" | "overview">): string {
  const rows = buildOverview(result, ctx.overview);
  const lines = renderHeader(result, { width: ctx.width, color: false, ...(ctx.cwd === undefined ? {} : { cwd: ctx.cwd }), ...(ctx.target ? { target: ctx.target } : {}) });
  lines.push("");
  if (rows.length === 0) {
    lines.push("No certificate matches.");
    return lines.join("\n") + "\n";
  }
  // Below 110 columns the time of day gives way to the names (kubeadm's own table is 130 wide).
  const withTime = ctx.width >= 110;
  const cells = rows.map((r) => [roleName(r.certificate), placeName(r), formatExpiry(r.notAfter, withTime), formatResidual(r.residualMs), commonName(r.authority), r.caKey].map(escapeInput));
  const header = ["CERTIFICATE", "NODE/NS", "EXPIRES", "RESIDUAL", "CA", "CA KEY"];
  const natural = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const widths = fitWidths(natural, ctx.width);
  for (const row of [header, ...cells]) lines.push(row.map((cell, i) => cut(cell, widths[i]!).padEnd(i === row.length - 1 ? 0 : widths[i]!)).join(GAP).trimEnd());
  lines.push("", ...wrap(`${rows.length} certificate${rows.length === 1 ? "" : "s"}. CA KEY absent: the issuing CA's private key is not in the scan (kubeadm's "externally managed").`, ctx.width, "", ""));
  return lines.join("\n") + "\n";
}

/**
 * Shrinks the name columns until the row fits: NODE (1) and CA (4) down to 12 characters first (node
 * names and CA common names are short and recognisable by their start), then CERTIFICATE (0) down
 * to 20, then NODE and CA down to 8.
 */
function fitWidths(natural: number[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  const shrink = (columns: number[], floor: number) => {
    while (total() > width) {
      const widest = columns.filter((i) => widths[i]! > floor).sort((a, b) => widths[b]! - widths[a]!)[0];
      if (widest === undefined) return;
      widths[widest]!--;
    }
  };
  shrink([1, 4], 12);
  shrink([0], 20);
  shrink([1, 4], 8);
  return widths;
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The namespace, or the node's own folder name ("cp-1" for /dump/cp-1). */
function placeName(r: OverviewRow): string {
  if (r.namespace !== undefined) return r.namespace;
  if (r.node === undefined || r.node === "") return "-";
  return basename(r.node) || r.node;
}

/** "kubernetes" for "CN=kubernetes,O=acme": the part people name a CA by; the whole name when it has no CN. */
function commonName(dn: string): string {
  const m = /(?:^|,)CN=((?:\\.|[^,])*)/.exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, "$1") : dn;
}

/** "2026-12-05 00:00" (UTC, as kubeadm prints "Dec 05, 2026 00:00 UTC" but sortable), or the date alone. */
export function formatExpiry(ms: number, withTime = true): string {
  return new Date(ms).toISOString().slice(0, withTime ? 16 : 10).replace("T", " ");
}

/** Every role title ends in "certificate" in a column headed CERTIFICATE: "kubeadm API server serving". */
function roleName(title: string): string {
  return title.replace(/ certificate$/, "");
}

/** kubeadm's RESIDUAL TIME: "364d", "19h", "42m", "expired". */
export function formatResidual(ms: number): string {
  if (ms <= 0) return "expired";
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 730 ? `${days}d` : `${Math.floor(days / 365)}y`;
}
