import type { ScanResult } from "../engine/types.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { emitReport, isStdoutOutput } from "../output/emit.js";
import { findFormat, formatForFile, reportFormats, type ReportContext, type ReportFormat } from "../output/formats.js";
import { showFindingUtf8 } from "../output/display-text.js";
import { escapeFinding, escapeIssue, toTerminal } from "../output/terminal-safe.js";
import type { CliIO } from "./io.js";

/**
 * The format follows the destination: `--format` when given; else, for `--output FILE`, the file's
 * extension (.json, .md, .csv, .sarif, .xml, .html, .txt; json for any other); else table on a
 * terminal and json when stdout is piped.
 */
export function chooseFormat(value: string | undefined, output: string | undefined, isTTY: boolean): ReportFormat {
  if (value !== undefined) {
    const format = findFormat(value);
    if (format === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--format must be one of ${reportFormats.map((f) => f.id).join(", ")} (got "${value}")`);
    return format;
  }
  if (!isStdoutOutput(output)) return formatForFile(output!) ?? findFormat("json")!;
  return findFormat(isTTY ? "table" : "json")!;
}

/** Renders the result and writes it to stdout or, atomically, to `output`. */
export function writeReport(result: ScanResult, format: ReportFormat, ctx: ReportContext, output: string | undefined, io: CliIO): void {
  const color = ctx.color && isStdoutOutput(output);
  if (format.terminal === true) {
    const shown = { ...result, findings: result.findings.map((f) => escapeFinding(showFindingUtf8(f))), issues: result.issues.map(escapeIssue) };
    emitReport(toTerminal(format.render(shown, { ...ctx, color }), color), output, io.stdout);
    return;
  }
  const shown = format.exactNames === true ? result : { ...result, findings: result.findings.map(showFindingUtf8) };
  const shownCtx = { ...ctx, color };
  emitReport(format.renderChunks !== undefined ? format.renderChunks(shown, shownCtx) : format.render(shown, shownCtx), output, io.stdout);
}
