/** `certdoctor rotation`: how far each CA rotation got, per node, with the lagging nodes named. */
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { emitReport } from "../../output/emit.js";
import { buildRotationReport } from "../../remedy/rotation.js";
import { renderRotationText } from "../../remedy/rotation-render.js";
import type { CliIO } from "../io.js";
import { addScanInputs, scanFromInputs, type ScanInputFlags } from "./scan-inputs.js";

export function registerRotation(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command("rotation")
    .description("CA rotation progress: for every CA with more than one key, which nodes trust the old and the new one, which signed their certificates, and which nodes lag");
  addScanInputs(cmd)
    .option("--format <format>", "text or json (default text)")
    .option("-o, --output <file>", "write the report to FILE (atomically) instead of stdout")
    .option("--fail-on-lagging", "exit 1 when some node lags behind a rotation")
    .action(async (positional: string[], flags: ScanInputFlags & { format?: string; output?: string; failOnLagging?: boolean }) => {
      const format = flags.format ?? (flags.output?.endsWith(".json") ? "json" : "text");
      if (format !== "text" && format !== "json") throw new CertdoctorError(ErrorCode.ERR_USAGE, `--format must be text or json (got "${format}")`);
      const result = await scanFromInputs(positional, flags, io);
      const report = buildRotationReport(result.inventory, result.evaluatedAt);
      emitReport(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderRotationText(report), flags.output, io.stdout);
      setExit(flags.failOnLagging === true && report.lagging.length > 0 ? 1 : 0);
    });
}
