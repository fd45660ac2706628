import { Command, CommanderError } from "commander";
import { isCertdoctorError } from "../errors.js";
import { registerAgent } from "./commands/agent.js";
import { registerBackup } from "./commands/backup.js";
import { registerApprover } from "./commands/approver.js";
import { registerCompletion } from "./commands/completion.js";
import { registerDemo } from "./commands/demo.js";
import { registerFix } from "./commands/fix.js";
import { registerPlan } from "./commands/plan.js";
import { registerRotation } from "./commands/rotation.js";
import { registerRules } from "./commands/rules.js";
import { registerScan } from "./commands/scan.js";
import { registerServe } from "./commands/serve.js";
import { registerTimeline } from "./commands/timeline.js";
import { registerWatch } from "./commands/watch.js";
import type { CliIO } from "./io.js";
import { packageVersion } from "./package-root.js";

export const ISSUES_URL = "https://github.com/certdoctor/certdoctor/issues";

/**
 * The CLI's only exit-code boundary. Commands throw; this maps: 0 clean, 1 findings at or above
 * --fail-on, 2 usage/config error or unscannable input, 3 internal error.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const code = await runProgram(argv, io);
  return finishOutput(code, io);
}

/** A report that did not reach stdout is never success: exit 2 (3 stays 3) with the reason on stderr. */
async function finishOutput(code: number, io: CliIO): Promise<number> {
  try {
    await io.flush?.();
    return code;
  } catch (err) {
    if (!isCertdoctorError(err)) throw err;
    io.stderr(`certdoctor: ${err.code}: ${err.message}\n`);
    return Math.max(code, 2);
  }
}

async function runProgram(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command("certdoctor")
    .description("Finds every certificate a Kubernetes cluster depends on, works out who trusts whom, and explains what breaks and when.")
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  registerScan(program, io, setExit);
  registerDemo(program, io, setExit);
  registerRules(program, io);
  registerWatch(program, io, setExit);
  registerAgent(program, io, setExit);
  registerPlan(program, io, setExit);
  registerRotation(program, io, setExit);
  registerBackup(program, io, setExit);
  registerFix(program, io, setExit);
  registerApprover(program, io, setExit);
  registerServe(program, io, setExit);
  registerTimeline(program, io, setExit);
  registerCompletion(program, io); // last: it describes every command registered before it
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are successful exits; commander already printed the message
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isCertdoctorError(err) && err.code !== "ERR_INTERNAL") {
      io.stderr(`certdoctor: ${err.code}: ${err.message}\n`);
      return 2;
    }
    io.stderr(`certdoctor: internal error: ${err instanceof Error ? err.message : String(err)}\nThis is a bug; please report it at ${ISSUES_URL} (rerun with CERTDOCTOR_DEBUG=1 for a stack trace).\n`);
    if (process.env.CERTDOCTOR_DEBUG && err instanceof Error) io.stderr(`${err.stack}\n`);
    return 3;
  }
}
