/**
 * The rules' Markdown (`explain`) for a terminal: paragraphs re-wrapped to its width, list items with
 * a hanging indent, fenced code kept as it is (indented), `**bold**` as bold on a colour terminal and
 * plain otherwise, links as "text (url)". Inline `code` keeps its backticks: they show what to type.
 */
import { wrap } from "./wrap.js";

const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";
const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+/;

export function renderMarkdownForTerminal(markdown: string, width: number, color: boolean): string {
  const out: string[] = [];
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  let paragraph: string[] = [];
  let item: { marker: string; indent: string; text: string[] } | undefined;
  const flush = () => {
    if (item) out.push(...wrap(inline(item.text.join(" "), color), width, item.indent + item.marker, item.indent + " ".repeat(item.marker.length)));
    else if (paragraph.length > 0) out.push(...wrap(inline(paragraph.join(" "), color), width, "", ""));
    paragraph = [];
    item = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) {
      flush();
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) out.push(`    ${lines[i]}`);
      continue;
    }
    if (line.trim() === "") {
      flush();
      if (out.length > 0 && out[out.length - 1] !== "") out.push("");
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      out.push(color ? `${BOLD}${heading[1]}${RESET}` : heading[1]!.toUpperCase());
      continue;
    }
    const list = LIST_ITEM.exec(line);
    if (list) {
      flush();
      item = { marker: `${list[2]} `, indent: list[1]!, text: [line.slice(list[0].length)] };
      continue;
    }
    // An indented line continues the list item; one at the margin starts a paragraph again.
    if (item && /^\s/.test(line)) item.text.push(line.trim());
    else {
      if (item) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return `${out.join("\n")}\n`;
}

function inline(text: string, color: boolean): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, "$1 ($2)")
    .replace(/\*\*([^*]+)\*\*/g, (_, inner: string) => (color ? `${BOLD}${inner}${RESET}` : inner));
}
