// Test helper (a child process): runs the CLI and SIGKILLs itself right before the Nth call of node:fs's
// FUNCTION (renameSync, linkSync, symlinkSync, ...) whose first path argument contains MARK. node:fs is
// patched through its CommonJS object and syncBuiltinESMExports, so certdoctor's ESM imports see it.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const [, , mainPath, fn, mark, nth, ...args] = process.argv;
const original = fs[fn];
let calls = 0;
fs[fn] = (...a) => {
  if (String(a[0]).includes(mark) && ++calls === Number(nth)) process.kill(process.pid, "SIGKILL");
  return original(...a);
};
syncBuiltinESMExports();
const { main } = await import(mainPath);
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: false, columns: 80, color: false, cwd: process.cwd() };
process.exitCode = await main(args, io);
