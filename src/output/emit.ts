import { writeFileAtomic } from "../fs/write-atomic.js";

/** `--output` values that mean stdout, handled explicitly rather than as files. */
const STDOUT_NAMES = new Set(["-", "/dev/stdout"]);

/** True when `output` means stdout: no flag, `-` or `/dev/stdout`. */
export function isStdoutOutput(output: string | undefined): boolean {
  return output === undefined || STDOUT_NAMES.has(output);
}

/**
 * Writes a rendered report (whole, or as chunks written as they come) to stdout, or replaces `output` through the safe writer (no symlinks, no devices,
 * no temp file left behind; ERR_OUTPUT_* on refusal). A report is regenerated on every run, so no `.bak`
 * is kept: it would only pile up beside the report and be scanned as a backup certificate file next time.
 */
export function emitReport(text: string | Iterable<string>, output: string | undefined, stdout: (text: string) => void): void {
  if (isStdoutOutput(output)) {
    if (typeof text === "string") stdout(text);
    else for (const chunk of text) stdout(chunk);
    return;
  }
  writeFileAtomic(output!, text);
}
