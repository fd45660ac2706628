/** Where a command writes; injected so tests run the CLI in-process. */
import { CertdoctorError, ErrorCode } from "../errors.js";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  columns: number;
  color: boolean;
  cwd: string;
  /**
   * Resolves once everything written to stdout was taken by the OS; throws ERR_OUTPUT_WRITE when stdout
   * failed (a full disk, /dev/full, a closed pipe). main() awaits it: a lost report is never exit 0.
   */
  flush?: () => Promise<void>;
  /** Set when stderr is a terminal: a progress line there is rewritten in place (see progress.ts). */
  progress?: (text: string) => void;
}

export function processIO(): CliIO {
  const isTTY = process.stdout.isTTY === true;
  const out = guardStream(process.stdout);
  process.stderr.on("error", () => undefined); // a broken stderr must not crash the run; the exit code still tells
  return {
    stdout: out.write,
    stderr: (t) => void process.stderr.write(t),
    isTTY,
    columns: Math.max(60, Math.min(process.stdout.columns ?? 80, 120)),
    color: isTTY && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb",
    cwd: process.cwd(),
    flush: out.flush,
    ...(process.stderr.isTTY === true ? { progress: (t: string) => void process.stderr.write(t) } : {}),
  };
}

/**
 * Wraps stdout so a write error is caught instead of crashing the process with a stack trace: the first error
 * is kept, later writes throw it (a long-running watch stops), and flush() reports it.
 */
export function guardStream(stream: NodeJS.WritableStream): { write: (text: string) => void; flush: () => Promise<void> } {
  let failure: NodeJS.ErrnoException | undefined;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  const check = () => {
    failure ??= (stream as { errored?: NodeJS.ErrnoException | null }).errored ?? undefined;
    if (failure !== undefined) throw stdoutError(failure);
  };
  return {
    write: (text) => {
      check();
      stream.write(text);
    },
    flush: async () => {
      await new Promise<void>((resolve) => {
        if (failure !== undefined) resolve();
        else stream.write("", () => resolve());
      });
      await new Promise((resolve) => setImmediate(resolve)); // the 'error' event is emitted on a later tick than the callback
      check();
    },
  };
}

function stdoutError(err: NodeJS.ErrnoException): CertdoctorError {
  const why = err.code === "EPIPE" ? "the reading end of the pipe was closed" : (err.code ?? err.message);
  return new CertdoctorError(ErrorCode.ERR_OUTPUT_WRITE, `cannot write the report to stdout (${why}); the report is incomplete`, { cause: err });
}
