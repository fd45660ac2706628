import type { ScanResult } from "../engine/types.js";
import { emitReport } from "../output/emit.js";
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
  emitReport(text, output, io.stdout);
}
