import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { findRule, rules } from "../../rules/index.js";
import { renderRulesMarkdown } from "../../rules/docs.js";
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
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) throw new CertdoctorError(ErrorCode.ERR_USAGE, `unknown rule "${id}"; see: certdoctor rules`);
      io.stdout(`${rule.id} (${rule.severity}): ${rule.title}\n\n${rule.explain}\n`);
    });
}
