import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { findRule, rules } from "../../rules/index.js";
import { renderRulesMarkdown } from "../../rules/docs.js";
import { renderMarkdownForTerminal } from "../../output/terminal-markdown.js";
import type { CliIO } from "../io.js";

export function registerRules(program: Command, io: CliIO): void {
  program
    .command("rules")
    .description("list every diagnosis rule")
    .option("--markdown", "print docs/rules.md")
    .action((flags: { markdown?: boolean }) => {
      if (flags.markdown) {
        io.stdout(renderRulesMarkdown());
        return;
      }
      const width = Math.max(...rules.map((r) => r.id.length));
      for (const r of rules) io.stdout(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.title}\n`);
    });
  program
    .command("explain")
    .description("explain a rule: what it means, what breaks, how to fix it")
    .argument("<rule>", "rule id, e.g. ca-divergence")
    .option("--markdown", "print the explanation's Markdown source instead of wrapping it to the terminal")
    .action((id: string, flags: { markdown?: boolean }) => {
      const rule = findRule(id);
      if (!rule) throw new CertdoctorError(ErrorCode.ERR_USAGE, `unknown rule "${id}"; see: certdoctor rules`);
      const body = flags.markdown ? `${rule.explain}\n` : renderMarkdownForTerminal(rule.explain, io.columns, io.color);
      const head = `${rule.id} (${rule.severity}): ${rule.title}`;
      io.stdout(`${flags.markdown ? `${head}\n` : renderMarkdownForTerminal(head, io.columns, false)}\n${body}`);
    });
}
