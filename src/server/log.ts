/**
 * The server's log: one JSON object per line (`{"time","level","msg",…fields}`, `code` for error codes),
 * the same shape as the agent's. Fields are chosen by callers; never certificate bodies, keys or tokens.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** A logger writing JSON lines to `write` (stderr in production). */
export function createLogger(write: (line: string) => void, clock: () => number = Date.now): Logger {
  return (level, msg, fields = {}) => write(`${JSON.stringify({ time: new Date(clock()).toISOString(), level, msg, ...fields })}\n`);
}

/** Keeps log lines in memory (tests assert on them). */
export function memoryLogger(): Logger & { lines: Array<{ level: LogLevel; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ level: LogLevel; msg: string } & Record<string, unknown>> = [];
  const log = ((level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, ...fields })) as Logger & { lines: typeof lines };
  log.lines = lines;
  return log;
}
