import { renameSync, writeFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import type { ScanResult } from "../engine/types.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { toJsonReport } from "../output/json.js";
import { renderTable } from "../output/table.js";
import type { CliIO } from "./io.js";
import type { Format } from "./options.js";

/** Renders the result and writes it to stdout or, atomically, to `output`. */
export function writeReport(result: ScanResult, format: Format, output: string | undefined, io: CliIO): void {
  const text =
    format === "json"
      ? JSON.stringify(toJsonReport(result), null, 2) + "\n"
      : renderTable(result, { width: io.columns, color: output === undefined && io.color, cwd: io.cwd });
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  const tmp = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, output);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot write --output ${output}: ${(err as NodeJS.ErrnoException).code ?? "write failed"}`, { cause: err });
  }
}
