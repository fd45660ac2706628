/**
 * Terminal injection: file names, Secret names, subjects and messages come from input and may hold escape
 * sequences (clear the screen, set the window title, recolour) or newlines (forge report lines). The text
 * formats (table, compact, certs overview, markdown) go through here, in one place (cli/report.ts):
 * input strings in findings and notes are escaped, newlines included; then the whole rendered report has
 * every remaining control character escaped, and only the renderers' own colours — written as private-use
 * placeholders (`PAINT`), never as ESC — become SGR codes. JSON and the machine formats stay exact.
 */
import type { Finding } from "../model/finding.js";
import type { ScanIssue } from "../model/issue.js";

/** What renderers write instead of SGR codes; input holding these characters is escaped like a control. */
export const PAINT = { reset: "\ue000", red: "\ue001", yellow: "\ue002", cyan: "\ue003", bold: "\ue004" } as const;
const SGR: Record<string, string> = { "\ue000": "\x1b[0m", "\ue001": "\x1b[31m", "\ue002": "\x1b[33m", "\ue003": "\x1b[36m", "\ue004": "\x1b[1m" };

/** C0 (but tab and newline), DEL, C1, zero-width and bidi format characters, line/paragraph separators, BOM, the paint placeholders. */
const UNSAFE_IN_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ue000-\ue00f]/g;
/** The same, and tab and newline too: for a single input string, which must stay on its line. */
const UNSAFE_IN_VALUE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ue000-\ue00f]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e" };

function visible(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** One input string made safe to print on one line: every control and invisible character shown as an escape. */
export function escapeInput(text: string): string {
  return text.replace(UNSAFE_IN_VALUE, visible);
}

/** A rendered text report made safe for a terminal: controls escaped, then the renderers' paint turned into SGR (or dropped). */
export function toTerminal(rendered: string, color: boolean): string {
  const escaped = rendered.replace(UNSAFE_IN_LAYOUT, (c) => (c in SGR ? c : visible(c)));
  return escaped.replace(/[\ue000-\ue004]/g, (c) => (color ? SGR[c]! : ""));
}

/** A finding's input-derived texts escaped (titles and details interpolate names and paths). */
export function escapeFinding(f: Finding): Finding {
  return { ...f, title: escapeInput(f.title), detail: escapeInput(f.detail), remediation: escapeInput(f.remediation), locations: f.locations.map((l) => escapeInput(l) as typeof l) };
}

export function escapeIssue(i: ScanIssue): ScanIssue {
  return { ...i, ref: escapeInput(i.ref), message: escapeInput(i.message) };
}
