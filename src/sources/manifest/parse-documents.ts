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
      const lifted = liftLongScalars(part);
      const doc = jsyaml.load(lifted.text, { json: true });
      if (doc !== null && doc !== undefined) docs.push(lifted.values.length > 0 ? restoreLongScalars(doc, lifted.values) : doc);
    } catch (err) {
      const mark = (err as { mark?: { line?: number } }).mark;
      const where = mark?.line === undefined ? "" : ` near line ${mark.line + 1}`;
      issues.push({ code: ErrorCode.ERR_YAML_INVALID, ref: docRef, message: `invalid YAML${where}`, material: true });
    }
  }
  return { docs, issues };
}

/**
 * Secret `data` values are long plain base64 scalars, and js-yaml reads plain scalars one character at
 * a time: the largest cost of a manifest scan. Such values are swapped for short tokens before parsing
 * and put back after. A long `key: value` line whose value has no blank, tab or '#' and cannot be a
 * number is a plain string in YAML; tokens are restored inside any string, so a continuation line or a
 * lookalike line in a block scalar round-trips unchanged.
 */
const MIN_LIFTED = 200;
const KEY_PART = /^[ \t]*[A-Za-z0-9._/-]+$/;
/** Starts like base64 and cannot be read as a YAML number, bool, null or timestamp (≥ 200 characters, a letter no number has). */
const PLAIN_STRING_START = /^[A-Za-z0-9+/][^]{0,31}?[g-nq-wyzG-NQ-WYZ/]/;
const TOKEN_PREFIX = "__certdoctor_b64_";
const TOKEN = /__certdoctor_b64_(\d+)__/g;

function liftLongScalars(text: string): { text: string; values: string[] } {
  const values: string[] = [];
  if (text.length < MIN_LIFTED || text.includes(TOKEN_PREFIX)) return { text, values };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length < MIN_LIFTED) continue;
    const colon = line.indexOf(": ");
    if (colon <= 0 || colon > 253 || !KEY_PART.test(line.slice(0, colon))) continue;
    const value = line.slice(colon + 2).trim();
    // No blank, tab or '#': the plain scalar is the whole rest of the line (no comment, no `: `).
    if (value.length < MIN_LIFTED || value.includes(" ") || value.includes("\t") || value.includes("#") || !PLAIN_STRING_START.test(value)) continue;
    values.push(value);
    lines[i] = `${line.slice(0, colon + 2)}${TOKEN_PREFIX}${values.length - 1}__`;
  }
  return values.length === 0 ? { text, values } : { text: lines.join("\n"), values };
}

function restoreLongScalars(node: unknown, values: string[]): unknown {
  if (typeof node === "string") return node.includes(TOKEN_PREFIX) ? node.replace(TOKEN, (m, i: string) => values[Number(i)] ?? m) : node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = restoreLongScalars(node[i], values);
    return node;
  }
  if (node !== null && typeof node === "object") {
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) obj[key] = restoreLongScalars(obj[key], values);
  }
  return node;
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
