/**
 * bench/results.md holds the certificate-scan results first and then `## ` sections of further
 * benches (endpoint probing). Each bench rewrites only its own part and keeps the others.
 */

/** The `## ` section whose heading line starts with `heading`, up to the next `## ` heading or the end; undefined when absent. */
export function extractSection(markdown: string, heading: string): string | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  if (end < 0) end = lines.length;
  return `${lines.slice(start, end).join("\n").trimEnd()}\n`;
}

/** `markdown` with the section under `heading` replaced by `section` (appended when absent; removed when `section` is empty). */
export function replaceSection(markdown: string, heading: string, section: string): string {
  const old = extractSection(markdown, heading);
  let rest = markdown;
  if (old !== undefined) {
    const lines = markdown.split("\n");
    const start = lines.findIndex((l) => l.startsWith(heading));
    let end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
    if (end < 0) end = lines.length;
    rest = [...lines.slice(0, start), ...lines.slice(end)].join("\n");
  }
  rest = `${rest.trimEnd()}\n`;
  return section.trim() === "" ? rest : `${rest}\n${section.trimEnd()}\n`;
}

/** `fresh` (the scan bench's part, no `## ` sections of its own) followed by every `## ` section of `previous`, in order. */
export function keepSections(fresh: string, previous: string): string {
  const lines = previous.split("\n");
  const first = lines.findIndex((l) => l.startsWith("## "));
  const sections = first < 0 ? "" : lines.slice(first).join("\n").trimEnd();
  return sections === "" ? `${fresh.trimEnd()}\n` : `${fresh.trimEnd()}\n\n${sections}\n`;
}
