// Test helper (a child process): runs the CLI and SIGKILLs itself right before the Nth rename of a
// certdoctor temp file onto its target — after the temp file was written and fsynced. node:fs is
// patched through its CommonJS object and syncBuiltinESMExports, so the writer's ESM import sees it.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const [, , mainPath, nth, ...args] = process.argv;
const original = fs.renameSync;
let renames = 0;
fs.renameSync = (from, to) => {
  if (String(from).includes(".certdoctor-tmp-") && ++renames === Number(nth)) process.kill(process.pid, "SIGKILL");
  return original(from, to);
};
syncBuiltinESMExports();
const { main } = await import(mainPath);
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: false, columns: 80, color: false, cwd: process.cwd() };
process.exitCode = await main(args, io);
