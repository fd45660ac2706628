import { PAINT } from "./terminal-safe.js";

const SGR = /\x1b\[[0-9;]*m/g;
const PAINT_MARKS = new RegExp(`[${Object.values(PAINT).join("")}]`, "gu");

/** Columns a string takes on a terminal: colour codes (SGR or the renderers' paint placeholders) take none, each code point one. */
export function visibleWidth(s: string): number {
  let n = 0;
  for (const _ of s.replace(SGR, "").replace(PAINT_MARKS, "")) n++;
  return n;
}

/**
 * Greedy word wrap to `width` visible columns. The first indent may carry a label ("fix:   "): the first
 * word follows it directly. A word longer than a line (a path, a ref, a URL) gets a line of its own, whole.
 */
export function wrap(text: string, width: number, firstIndent: string, indent: string): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  let visible = visibleWidth(firstIndent);
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const length = visibleWidth(word);
    if (!empty && visible + 1 + length > width) {
      lines.push(line);
      line = indent + word;
      visible = visibleWidth(indent) + length;
    } else {
      line += (empty ? "" : " ") + word;
      visible += (empty ? 0 : 1) + length;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}
