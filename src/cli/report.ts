import type { ScanResult } from "../engine/types.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { writeFileAtomic } from "../fs/write-atomic.js";
import { toJsonReport } from "../output/json.js";
import { renderTable } from "../output/table.js";
import type { CliIO } from "./io.js";
import type { Format } from "./options.js";

/** Renders the result and writes it to stdout or, atomically and keeping the previous one as .bak, to `output`. */
export function writeReport(result: ScanResult, format: Format, output: string | undefined, io: CliIO): void {
  const text =
    format === "json"
      ? JSON.stringify(toJsonReport(result), null, 2) + "\n"
      : renderTable(result, { width: io.columns, color: output === undefined && io.color, cwd: io.cwd });
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  try {
    writeFileAtomic(output, text, { backup: true });
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot write --output ${output}: ${(err as NodeJS.ErrnoException).code ?? "write failed"}`, { cause: err });
  }
}
