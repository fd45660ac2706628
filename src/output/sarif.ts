/**
 * Findings as SARIF 2.1.0 (OASIS), the format code-scanning tools ingest. One run; the rule catalogue in
 * `tool.driver.rules`; each finding a result with its level (critical → error, warning → warning,
 * info → note), file locations as physical locations (relative to the working directory when under it),
 * every other ref (Secrets, endpoints, CSRs) as a logical location, and a partial fingerprint that stays
 * the same across runs for the same problem (rule + certificates + locations).
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import { rules } from "../rules/index.js";
import type { ReportContext } from "./formats.js";
import { parseRef, refPath } from "../model/ref.js";

export const RULES_DOC_URL = "https://github.com/certdoctor/certdoctor/blob/main/docs/rules.md";
const LEVEL: Record<Severity, "error" | "warning" | "note"> = { critical: "error", warning: "warning", info: "note" };

export function renderSarif(result: ScanResult, ctx: Pick<ReportContext, "cwd" | "toolVersion">): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "certdoctor",
            version: ctx.toolVersion,
            informationUri: "https://github.com/certdoctor/certdoctor",
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: firstParagraph(r.explain) },
              help: { text: r.explain, markdown: r.explain },
              helpUri: `${RULES_DOC_URL}#${r.id}`,
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        ...(ctx.cwd ? { originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(ctx.cwd.endsWith("/") ? ctx.cwd : `${ctx.cwd}/`).href } } } : {}),
        invocations: [{ executionSuccessful: true, endTimeUtc: result.evaluatedAt.toISOString() }],
        results: result.findings.map((f) => toResult(f, index.get(f.rule), ctx.cwd)),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

function toResult(f: Finding, ruleIndex: number | undefined, cwd: string | undefined) {
  return {
    ruleId: f.rule,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: LEVEL[f.severity],
    message: { text: `${f.title}. ${f.detail}` },
    locations: f.locations.map((ref) => toLocation(ref, cwd)),
    partialFingerprints: { "certdoctorFinding/v1": findingId(f) },
    properties: { severity: f.severity, remediation: f.remediation, certificates: f.certificates, ...(f.breaksAt ? { breaksAt: f.breaksAt } : {}) },
  };
}

function toLocation(ref: string, cwd: string | undefined) {
  const logical = { logicalLocations: [{ fullyQualifiedName: ref, kind: "resource" }] };
  const parsed = parseRef(ref);
  const path = parsed === undefined ? undefined : refPath(parsed);
  if (path === undefined || !path.startsWith("/")) return logical;
  const base = cwd && cwd !== "/" ? (cwd.endsWith("/") ? cwd : `${cwd}/`) : undefined;
  const artifactLocation =
    base && path.startsWith(base)
      ? { uri: path.slice(base.length).split("/").map(encodeURIComponent).join("/"), uriBaseId: "SRCROOT" }
      : { uri: pathToFileURL(path).href };
  return { physicalLocation: { artifactLocation }, ...logical };
}

/** A stable id for one problem: the same rule about the same certificates at the same places. */
export function findingId(f: Pick<Finding, "rule" | "certificates" | "locations">): string {
  const h = createHash("sha256");
  h.update(f.rule);
  for (const c of [...f.certificates].sort()) h.update(`\0c${c}`);
  for (const l of [...f.locations].sort()) h.update(`\0l${l}`);
  return h.digest("hex").slice(0, 32);
}

function firstParagraph(markdown: string): string {
  return markdown.split(/\n\s*\n/)[0]!.replace(/\s+/g, " ").trim();
}
