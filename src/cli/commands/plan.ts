/** `certdoctor plan`: the ordered, per-distribution renewal steps for what a scan found. */
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { emitReport } from "../../output/emit.js";
import { buildPlan } from "../../remedy/plan.js";
import { renderPlanMarkdown } from "../../remedy/plan-markdown.js";
import type { CliIO } from "../io.js";
import { addScanInputs, rescanCommand, scanFromInputs, type ScanInputFlags } from "./scan-inputs.js";

export function registerPlan(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command("plan")
    .description("the renewal plan for what a scan finds: per distribution, what to back up, which command renews what on which node, what restarts and what breaks meanwhile");
  addScanInputs(cmd)
    .option("--format <format>", "markdown or json (default markdown)")
    .option("-o, --output <file>", "write the plan to FILE (atomically) instead of stdout")
    .action(async (positional: string[], flags: ScanInputFlags & { format?: string; output?: string }) => {
      const format = flags.format ?? (flags.output?.endsWith(".json") ? "json" : "markdown");
      if (format !== "markdown" && format !== "json") throw new CertdoctorError(ErrorCode.ERR_USAGE, `--format must be markdown or json (got "${format}")`);
      const result = await scanFromInputs(positional, flags, io);
      const plan = buildPlan(result, { rescan: rescanCommand(positional, flags) });
      emitReport(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanMarkdown(plan), flags.output, io.stdout);
      setExit(0);
    });
}
