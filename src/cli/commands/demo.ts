import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { CliIO } from "../io.js";
import { packageRoot } from "../package-root.js";
import { addReportOptions, runScanReport, type ReportFlags } from "./scan.js";

/** The demo shipped with the package. */
export function demoDir(): string {
  const dir = join(packageRoot(), "demo");
  if (!existsSync(join(dir, "REFERENCE_TIME"))) {
    throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, "the demo cluster (demo/REFERENCE_TIME) is not installed with this copy of certdoctor");
  }
  return dir;
}

export function registerDemo(program: Command, io: CliIO, setExit: (code: number) => void): void {
  addReportOptions(
    program
      .command("demo")
      .description("scan the embedded demo cluster: a multi-node support dump that reproduces real failure stories"),
    "never",
  ).action(async (flags: ReportFlags) => {
    const dir = demoDir();
    const reference = readFileSync(join(dir, "REFERENCE_TIME"), "utf8").trim();
    io.stderr(`Scanning the demo cluster in ${join(dir, "cluster")} as of ${reference} (see demo/README.md for the stories).\n`);
    setExit(await runScanReport([join(dir, "cluster")], { ...flags, now: flags.now ?? reference }, io));
  });
}
