import { CertdoctorError, ErrorCode } from "../errors.js";
import { writeFileAtomic } from "../fs/write-atomic.js";

/** Writes a rendered report to stdout, or atomically to `output` keeping the previous file as `.bak`. */
export function emitReport(text: string, output: string | undefined, stdout: (text: string) => void): void {
  if (output === undefined) {
    stdout(text);
    return;
  }
  try {
    writeFileAtomic(output, text, { backup: true });
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot write --output ${output}: ${(err as NodeJS.ErrnoException).code ?? "write failed"}`, { cause: err });
  }
}
