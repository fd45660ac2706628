/**
 * `certdoctor serve` as a child process for end-to-end tests: resolves once it prints its
 * `Dashboard: URL/` line (rejects if it exits first or takes over 30 s), keeping its stderr (the JSON log).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { findRepoRoot } from "./fixtures.js";

export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  /** Everything serve wrote to stderr so far. */
  err: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** `env` replaces the child's environment when given (default: this process's). */
export function startServeProcess(args: string[], env?: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [join(findRepoRoot(), "bin/certdoctor.js"), "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /^Dashboard: (\S+)\/$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, err: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${String(code)}: ${err}`));
    });
  });
}
