import { rules } from "./index.js";

/** docs/rules.md, generated from the rule registry so the two cannot drift (`npm run docs`). */
export function renderRulesMarkdown(): string {
  const parts = [
    "# Rules",
    "",
    "Generated from `src/rules/` by `npm run docs`; a test fails when this file is stale.",
    "Each finding names its rule id (stable: never renamed, only deprecated), a severity, what breaks and how to fix it.",
    "`certdoctor explain <id>` prints the same text.",
    "",
    "| Rule | Highest severity | What it finds |",
    "| --- | --- | --- |",
    ...rules.map((r) => `| [\`${r.id}\`](#${r.id}) | ${r.severity} | ${r.title} |`),
  ];
  for (const r of rules) parts.push("", `## ${r.id}`, "", `**${r.title}** — highest severity: ${r.severity}.`, "", r.explain.trim());
  return parts.join("\n") + "\n";
}
