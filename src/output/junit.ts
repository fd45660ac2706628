/**
 * JUnit XML for CI test reports (GitLab, Jenkins, GitHub test reporters): one suite, one passing test case
 * per rule that found nothing, and one test case per finding — a failure when it is at or above
 * `--fail-on`, passing with its text in system-out below that, so the CI verdict and the exit code agree.
 */
import type { ScanResult } from "../engine/types.js";
import { severityRank, type Finding } from "../model/finding.js";
import { rules } from "../rules/index.js";
import type { ReportContext } from "./formats.js";

export function renderJunit(result: ScanResult, ctx: Pick<ReportContext, "failOn">): string {
  const failing = (f: Finding) => ctx.failOn !== "never" && severityRank[f.severity] >= severityRank[ctx.failOn];
  const withFindings = new Set(result.findings.map((f) => f.rule));
  const cases: string[] = [];
  for (const r of rules) if (!withFindings.has(r.id)) cases.push(`    <testcase classname="certdoctor.${attr(r.id)}" name="${attr(`${r.id}: nothing found`)}" time="0"/>`);
  let failures = 0;
  for (const f of result.findings) {
    const body = `${f.detail}\n\nwhere:\n${f.locations.map((l) => `  ${l}`).join("\n")}\n\nfix: ${f.remediation}`;
    const head = `    <testcase classname="certdoctor.${attr(f.rule)}" name="${attr(`${f.severity}: ${f.title}`)}" time="0">`;
    if (failing(f)) {
      failures++;
      cases.push(`${head}\n      <failure type="${f.severity}" message="${attr(f.title)}">${text(body)}</failure>\n    </testcase>`);
    } else {
      cases.push(`${head}\n      <system-out>${text(body)}</system-out>\n    </testcase>`);
    }
  }
  const seconds = (result.stats.durationMs / 1000).toFixed(3);
  const stamp = result.evaluatedAt.toISOString().replace(/\.\d{3}Z$/, "");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="certdoctor" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="certdoctor" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${stamp}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

/** XML 1.0 forbids most control characters even as references: show them as \u{..}. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

function text(s: string): string {
  return clean(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
