import { Command, CommanderError } from "commander";
import { isCertdoctorError } from "../errors.js";
import type { CliIO } from "./io.js";
import { packageVersion } from "./package-root.js";

type SetExit = (code: number) => void;
type Register = (program: Command, io: CliIO, setExit: SetExit) => void;

/**
 * Every command, in help order, with the module that registers it. Only the named command's module is
 * loaded when the first argument names one (a scan does not compile the server, store, agent and remedy
 * code: ~0.1 CPU-s of every run); help, a typo or completion load them all.
 */
const COMMANDS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ["scan", "certs"], load: async () => (await import("./commands/scan.js")).registerScan },
  { names: ["demo"], load: async () => (await import("./commands/demo.js")).registerDemo },
  { names: ["rules", "explain"], load: async () => (await import("./commands/rules.js")).registerRules },
  { names: ["watch"], load: async () => (await import("./commands/watch.js")).registerWatch },
  { names: ["agent"], load: async () => (await import("./commands/agent.js")).registerAgent },
  { names: ["plan"], load: async () => (await import("./commands/plan.js")).registerPlan },
  { names: ["rotation"], load: async () => (await import("./commands/rotation.js")).registerRotation },
  { names: ["backup", "restore"], load: async () => (await import("./commands/backup.js")).registerBackup },
  { names: ["fix"], load: async () => (await import("./commands/fix.js")).registerFix },
  { names: ["approver"], load: async () => (await import("./commands/approver.js")).registerApprover },
  { names: ["serve"], load: async () => (await import("./commands/serve.js")).registerServe },
  { names: ["timeline"], load: async () => (await import("./commands/timeline.js")).registerTimeline },
  // last: it describes every command registered before it
  { names: ["completion"], load: async () => (await import("./commands/completion.js")).registerCompletion },
];

/** The commands to register for `argv`: the one it names, or all (help, version, unknown names, completion). */
export function commandsFor(argv: readonly string[]): typeof COMMANDS {
  const named = COMMANDS.find((c) => argv[0] !== undefined && c.names.includes(argv[0]));
  return named === undefined || named.names.includes("completion") ? COMMANDS : [named];
}

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
  for (const register of await Promise.all(commandsFor(argv).map((c) => c.load()))) register(program, io, setExit);
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
