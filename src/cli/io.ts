/** Where a command writes; injected so tests run the CLI in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  columns: number;
  color: boolean;
  cwd: string;
}

export function processIO(): CliIO {
  const isTTY = process.stdout.isTTY === true;
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTTY,
    columns: Math.max(60, Math.min(process.stdout.columns ?? 80, 120)),
    color: isTTY && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb",
    cwd: process.cwd(),
  };
}
