/**
 * bench/results.md holds the certificate-scan results first and then `## ` sections of further
 * benches (endpoint probing). Each bench rewrites only its own part and keeps the others.
 */

/** The line range [start, end) of the `## ` section whose heading line starts with `heading`, up to the next `## ` heading or the end. */
function sectionLines(lines: string[], heading: string): { start: number; end: number } | undefined {
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return { start, end: end < 0 ? lines.length : end };
}

/** The `## ` section whose heading line starts with `heading`; undefined when absent. */
export function extractSection(markdown: string, heading: string): string | undefined {
  const lines = markdown.split("\n");
  const at = sectionLines(lines, heading);
  return at === undefined ? undefined : `${lines.slice(at.start, at.end).join("\n").trimEnd()}\n`;
}

/**
 * `markdown` with the section under `heading` replaced by `section` where it stands (so the file's order and its diffs
 * stay stable), appended when absent, removed when `section` is empty.
 */
export function replaceSection(markdown: string, heading: string, section: string): string {
  const lines = markdown.split("\n");
  const at = sectionLines(lines, heading);
  const before = `${(at === undefined ? lines : lines.slice(0, at.start)).join("\n").trimEnd()}\n`;
  const after = at === undefined ? "" : lines.slice(at.end).join("\n").trimEnd();
  const middle = section.trim() === "" ? "" : `\n${section.trimEnd()}\n`;
  return after === "" ? `${before}${middle}` : `${before}${middle}\n${after}\n`;
}

/** `fresh` (the scan bench's part, no `## ` sections of its own) followed by every `## ` section of `previous`, in order. */
export function keepSections(fresh: string, previous: string): string {
  const lines = previous.split("\n");
  const first = lines.findIndex((l) => l.startsWith("## "));
  const sections = first < 0 ? "" : lines.slice(first).join("\n").trimEnd();
  return sections === "" ? `${fresh.trimEnd()}\n` : `${fresh.trimEnd()}\n\n${sections}\n`;
}
