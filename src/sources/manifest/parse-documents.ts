import jsyaml from "js-yaml";
import { ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";

export interface ParsedDocuments {
  docs: unknown[];
  issues: ScanIssue[];
}

/** A line holding only `---` (optionally a comment) starts a new YAML document. */
const DOC_SEPARATOR = /^---[ \t]*(?:#.*)?$/m;
/** More alias uses than this in one file is treated as an alias bomb and not parsed. */
export const MAX_YAML_ALIASES = 1000;

/**
 * Parses JSON (one value) or YAML (one or more `---` documents). js-yaml is used for speed (see the
 * report in the sources README); each YAML document is parsed on its own so one malformed document
 * does not hide the others. Bounds: maxManifestBytes per file, maxManifestObjects documents, alias count.
 */
export function parseDocuments(text: string, ref: string, ctx: ReadContext): ParsedDocuments {
  if (text.length > ctx.limits.maxManifestBytes) {
    return { docs: [], issues: [{ code: ErrorCode.ERR_FILE_TOO_LARGE, ref, message: `manifest is over the ${ctx.limits.maxManifestBytes} byte limit`, material: false }] };
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { docs: [JSON.parse(text) as unknown], issues: [] };
    } catch {
      // YAML flow style also starts with { or [; fall through to the YAML parser
    }
  }
  const parts = text.split(DOC_SEPARATOR);
  const docs: unknown[] = [];
  const issues: ScanIssue[] = [];
  const several = parts.length > 1;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.trim() === "" || /^\s*(#.*)?\s*$/.test(part) ) continue;
    const docRef = several ? `${ref}#doc/${i}` : ref;
    if (docs.length >= ctx.limits.maxManifestObjects) {
      issues.push({ code: ErrorCode.ERR_MANIFEST_INVALID, ref, message: `more than ${ctx.limits.maxManifestObjects} documents; the rest were not read`, material: false });
      break;
    }
    if (countAliases(part) > MAX_YAML_ALIASES) {
      issues.push({ code: ErrorCode.ERR_YAML_INVALID, ref: docRef, message: `more than ${MAX_YAML_ALIASES} YAML aliases (alias bomb guard)`, material: true });
      continue;
    }
    try {
      const doc = jsyaml.load(part, { json: true });
      if (doc !== null && doc !== undefined) docs.push(doc);
    } catch (err) {
      const mark = (err as { mark?: { line?: number } }).mark;
      const where = mark?.line === undefined ? "" : ` near line ${mark.line + 1}`;
      issues.push({ code: ErrorCode.ERR_YAML_INVALID, ref: docRef, message: `invalid YAML${where}`, material: true });
    }
  }
  return { docs, issues };
}

/** Upper bound on alias uses (`*name` after a space, `[`, `{`, `,` or `:`); quoted `*` may over-count, which only errs on the safe side. */
function countAliases(text: string): number {
  let count = 0;
  const re = /(?:^|[\s[{,:])\*[^\s,\]}]/g;
  while (re.exec(text) !== null) {
    if (++count > MAX_YAML_ALIASES) break;
  }
  return count;
}
