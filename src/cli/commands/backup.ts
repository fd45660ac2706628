/** `certdoctor backup` and `certdoctor restore`: encrypted archives of certificate directories. */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";
import { createBackup } from "../../remedy/backup.js";
import { readBackupKey, type KeyFlags } from "../../remedy/key-input.js";
import { applyRestore, planRestore, type RestoreAction } from "../../remedy/restore.js";
import type { CliIO } from "../io.js";

/** An archive holds at most 512 MiB of files plus its manifest. */
const MAX_ARCHIVE_BYTES = 600 * 1024 * 1024;

export function registerBackup(program: Command, io: CliIO, setExit: (code: number) => void, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command("backup")
    .description("back up certificate directories into one encrypted archive (AES-256-GCM; manifest with modes, owners, checksums and certificate fingerprints inside)")
    .option("-p, --path <path>", "file or directory to back up (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--key-file <file>", "32-byte key (raw, 64 hex digits or base64), e.g. from `openssl rand -hex 32`")
    .option("--passphrase-file <file>", "passphrase (first line) to derive the key with scrypt; or set CERTDOCTOR_BACKUP_PASSPHRASE")
    .option("-o, --output <archive>", "where to write the archive (mode 0600, atomically)")
    .action((flags: KeyFlags & { path: string[]; output?: string }) => {
      if (flags.path.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "nothing to back up: give at least one --path");
      if (flags.output === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "give --output ARCHIVE: the archive is binary and never goes to stdout");
      const key = readBackupKey(flags, env, io.stderr);
      const { manifest, archive } = createBackup(flags.path.map((p) => resolve(io.cwd, p)), key, new Date());
      writeFileAtomic(resolve(io.cwd, flags.output), archive, { mode: 0o600 });
      const files = manifest.entries.filter((e) => e.type === "file");
      const certs = new Set(files.flatMap((f) => f.certificates ?? []));
      io.stdout(`backed up ${files.length} files (${certs.size} certificates), ${manifest.entries.filter((e) => e.type === "symlink").length} symlinks, ${manifest.entries.filter((e) => e.type === "dir").length} directories from ${manifest.roots.join(", ")} to ${flags.output} (${archive.length} bytes, AES-256-GCM)\n`);
      for (const s of manifest.skipped) io.stdout(`skipped ${s.path}: ${s.reason}\n`);
      setExit(0);
    });

  program
    .command("restore")
    .description("restore a backup: lists what it would write (dry run) after checking the key, every checksum and every path; --apply writes atomically, keeping replaced files as .bak")
    .argument("<archive>", "archive written by certdoctor backup")
    .option("--key-file <file>", "the key file the archive was made with")
    .option("--passphrase-file <file>", "the passphrase file the archive was made with (or CERTDOCTOR_BACKUP_PASSPHRASE)")
    .option("--to <dir>", "restore under DIR instead of / (DIR/etc/kubernetes/... for /etc/kubernetes)")
    .option("--apply", "write the files (default: dry run)")
    .action((archivePath: string, flags: KeyFlags & { to?: string; apply?: boolean }) => {
      const path = resolve(io.cwd, archivePath);
      const archive = readArchive(path);
      const key = readBackupKey(flags, env, io.stderr);
      const plan = planRestore(archive, key, flags.to === undefined ? {} : { to: resolve(io.cwd, flags.to) });
      try {
        const changes = plan.actions.filter((a) => a.action !== "unchanged");
        io.stdout(`${path}: made ${plan.manifest.createdAt} from ${plan.manifest.roots.join(", ")}; key, ${plan.manifest.entries.filter((e) => e.type === "file").length} checksums and every path verified\n`);
        for (const a of plan.actions) io.stdout(describeAction(a));
        if (!flags.apply) {
          io.stdout(`dry run: ${changes.length} of ${plan.actions.length} entries would be written; nothing was changed (--apply to write)\n`);
        } else {
          const written = applyRestore(plan);
          for (const w of written) if (w.backup !== undefined) io.stdout(`kept the replaced ${w.target} as ${w.backup}\n`);
          io.stdout(`restored ${written.length} entries; every file read back with its checksum\n`);
        }
      } finally {
        plan.data.fill(0);
      }
      setExit(0);
    });
}

function readArchive(path: string): Buffer {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `${path} is not a regular file`);
    if (st.size > MAX_ARCHIVE_BYTES) throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `${path} is larger than any certdoctor archive (${MAX_ARCHIVE_BYTES} bytes)`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CertdoctorError(code === "ENOENT" ? ErrorCode.ERR_PATH_NOT_FOUND : ErrorCode.ERR_BACKUP_INVALID, `cannot read ${path}: ${code}`, { cause: err });
  }
}

function describeAction(a: RestoreAction): string {
  const what = a.type === "symlink" ? `-> ${a.entry.target}` : `mode ${a.mode.toString(8).padStart(4, "0")}${a.certificates.length > 0 ? `, certificates ${a.certificates.map((c) => `${c.slice(0, 16)}…`).join(" ")}` : ""}`;
  return `  ${a.action.padEnd(9)} ${a.type.padEnd(7)} ${a.target} (${what})\n`;
}
