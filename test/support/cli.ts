import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** An IO that drops everything: for commands run directly whose output a test does not read. */
export function quietIO(cwd = process.cwd()): CliIO {
  return { stdout: () => undefined, stderr: () => undefined, isTTY: false, columns: 80, color: false, cwd };
}

/** Runs the CLI in-process, as a user would from a shell, capturing stdout and stderr. */
export async function runCli(args: string[], options: { tty?: boolean; columns?: number; cwd?: string } = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  const io: CliIO = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    isTTY: options.tty ?? false,
    columns: options.columns ?? 80,
    color: false,
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(args, io);
  return { code, out, err };
}
