/**
 * Where backup keys come from: `--key-file` (a raw 32-byte key), `--passphrase-file`, or the
 * CERTDOCTOR_BACKUP_PASSPHRASE environment variable — never the command line, where `ps` and shell
 * history would show it. Errors name the file, never its content.
 */
import { readFileSync, statSync } from "node:fs";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { parseRawKey, type BackupKey } from "./archive.js";

export const PASSPHRASE_ENV = "CERTDOCTOR_BACKUP_PASSPHRASE";
const MAX_KEY_FILE_BYTES = 64 * 1024;

export interface KeyFlags {
  keyFile?: string;
  passphraseFile?: string;
}

/** The key the flags name; `warn` gets a line when the key file is readable by group or others. */
export function readBackupKey(flags: KeyFlags, env: NodeJS.ProcessEnv, warn: (line: string) => void): BackupKey {
  if (flags.keyFile !== undefined && flags.passphraseFile !== undefined) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, "give --key-file or --passphrase-file, not both");
  }
  if (flags.keyFile !== undefined) {
    const bytes = readSecretFile("--key-file", flags.keyFile, warn);
    const key = parseRawKey(bytes);
    bytes.fill(0);
    if (key === undefined) throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `--key-file ${flags.keyFile} is not a 32-byte key (raw bytes, 64 hex digits or base64); make one with: openssl rand -hex 32 > ${flags.keyFile}`);
    return { kind: "raw", key };
  }
  if (flags.passphraseFile !== undefined) {
    const bytes = readSecretFile("--passphrase-file", flags.passphraseFile, warn);
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0a) end--;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    if (end === 0) throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `--passphrase-file ${flags.passphraseFile} is empty`);
    return { kind: "passphrase", passphrase: bytes.subarray(0, end) };
  }
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { kind: "passphrase", passphrase: Buffer.from(fromEnv, "utf8") };
  throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `no key: give --key-file FILE or --passphrase-file FILE (or set ${PASSPHRASE_ENV}); keys are never taken on the command line`);
}

function readSecretFile(flag: string, path: string, warn: (line: string) => void): Buffer {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `${flag} ${path} is not a regular file`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `${flag} ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key file`);
    if ((st.mode & 0o077) !== 0) warn(`certdoctor: warning: ${flag} ${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it\n`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, `cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
  }
}
