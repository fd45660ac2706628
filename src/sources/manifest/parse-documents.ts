import jsyaml from "js-yaml";
import { ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext } from "../../model/scan.js";
import { measureExpansion } from "./expansion.js";

export interface ParsedDocuments {
  docs: unknown[];
  issues: ScanIssue[];
}

/** A line holding only `---` (optionally a comment) starts a new YAML document. */
const DOC_SEPARATOR = /^---[ \t]*(?:#.*)?$/m;
/** js-yaml's own nesting bound, applied to JSON too: every later walk may then recurse safely. */
export const MAX_NESTING = 100;

/** What YAML aliases may still add to this file's documents (ScanLimits.maxAliasExpansion*). */
interface AliasAllowance {
  nodes: number;
  bytes: number;
}

/**
 * Parses JSON (one value) or YAML (one or more `---` documents). js-yaml is used for speed (see the
 * report in the sources README); each YAML document is parsed on its own so one malformed document
 * does not hide the others. Bounds: maxManifestBytes per file, maxManifestObjects documents, and every
 * document measured fully expanded (expansion.ts): aliases may add at most maxAliasExpansionNodes nodes
 * and maxAliasExpansionBytes bytes per file beyond the documents' own text, never a cycle, never deeper
 * than MAX_NESTING. A document past a bound is an ERR_YAML_LIMIT parse-error; the others are still read.
 */
export function parseDocuments(text: string, ref: string, ctx: ReadContext): ParsedDocuments {
  if (text.length > ctx.limits.maxManifestBytes) {
    return { docs: [], issues: [{ code: ErrorCode.ERR_FILE_TOO_LARGE, ref, message: `manifest is over the ${ctx.limits.maxManifestBytes} byte limit`, material: false }] };
  }
  const allowance: AliasAllowance = { nodes: ctx.limits.maxAliasExpansionNodes, bytes: ctx.limits.maxAliasExpansionBytes };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let doc: unknown;
    let parsed = false;
    try {
      doc = JSON.parse(text) as unknown;
      parsed = true;
    } catch {
      // YAML flow style also starts with { or [; fall through to the YAML parser
    }
    if (parsed) {
      const issue = checkExpansion(doc, text.length, ref, allowance, ctx, (s) => s.length);
      return issue === undefined ? { docs: [doc], issues: [] } : { docs: [], issues: [issue] };
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
    let doc: unknown;
    let lifted: { text: string; values: string[] };
    try {
      lifted = liftLongScalars(part);
      doc = jsyaml.load(lifted.text, { json: true });
    } catch (err) {
      const mark = (err as { mark?: { line?: number } }).mark;
      const where = mark?.line === undefined ? "" : ` near line ${mark.line + 1}`;
      issues.push({ code: ErrorCode.ERR_YAML_INVALID, ref: docRef, message: `invalid YAML${where}`, material: true });
      continue;
    }
    if (doc === null || doc === undefined) continue;
    const values = lifted.values;
    const issue = checkExpansion(doc, part.length, docRef, allowance, ctx, values.length === 0 ? (s) => s.length : (s) => restoreTokens(s, values).length);
    if (issue !== undefined) issues.push(issue);
    else docs.push(values.length > 0 ? restoreLongScalars(doc, values, new Set()) : doc);
  }
  return { docs, issues };
}

/**
 * Measures a parsed document as every later walk will see it and charges what its aliases add (beyond
 * `ownSize`, the document's text length: without aliases a document never expands past it) to the file's
 * allowance. An issue when a bound is passed; the allowance is then left as it was.
 */
function checkExpansion(doc: unknown, ownSize: number, ref: string, allowance: AliasAllowance, ctx: ReadContext, stringBytes: (s: string) => number): ScanIssue | undefined {
  const m = measureExpansion(doc, MAX_NESTING, stringBytes);
  const limitIssue = (message: string): ScanIssue => ({ code: ErrorCode.ERR_YAML_LIMIT, ref, message, material: true });
  if (!m.ok) return limitIssue(m.reason === "cycle" ? "YAML aliases form a cycle; the document was not read" : `nested deeper than ${MAX_NESTING} levels; the document was not read`);
  const extraNodes = Math.max(0, m.nodes - ownSize);
  const extraBytes = Math.max(0, m.bytes - ownSize);
  if (extraNodes > allowance.nodes || extraBytes > allowance.bytes) {
    const which = extraNodes > allowance.nodes ? `${ctx.limits.maxAliasExpansionNodes} nodes` : `${ctx.limits.maxAliasExpansionBytes} bytes`;
    return limitIssue(`YAML aliases expand this ${ownSize}-byte document to ${m.nodes} nodes and ${m.bytes} bytes, past the alias expansion bound (aliases may add ${which} per file); the document was not read`);
  }
  allowance.nodes -= extraNodes;
  allowance.bytes -= extraBytes;
  return undefined;
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

function restoreTokens(s: string, values: string[]): string {
  return s.includes(TOKEN_PREFIX) ? s.replace(TOKEN, (m, i: string) => values[Number(i)] ?? m) : s;
}

/** Puts lifted values back, visiting each shared (aliased) object once; depth is bounded by MAX_NESTING. */
function restoreLongScalars(node: unknown, values: string[], seen: Set<object>): unknown {
  if (typeof node === "string") return restoreTokens(node, values);
  if (node === null || typeof node !== "object" || seen.has(node)) return node;
  seen.add(node);
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = restoreLongScalars(node[i], values, seen);
    return node;
  }
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) obj[key] = restoreLongScalars(obj[key], values, seen);
  return node;
}
