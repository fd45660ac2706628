/**
 * API authentication: bearer tokens from `--token-file` (one per line; blank lines and `#` comments
 * ignored), compared as SHA-256 digests in constant time, the file re-read when it changes (token
 * rotation without a restart); or, for agent reports only, a client certificate the TLS listener
 * verified against `--client-ca`. `--no-auth` turns it off and must be asked for explicitly. Tokens are
 * never logged, echoed or accepted from a query string.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { CertdoctorError, ErrorCode } from "../errors.js";

const MAX_TOKEN_FILE_BYTES = 64 * 1024;
const RECHECK_MS = 2000;

export type Principal = { kind: "token"; index: number } | { kind: "client-cert"; subject: string } | { kind: "anonymous" };

export interface AuthPolicy {
  /** The principal a request proves, or undefined (401). */
  authenticate(authorization: string | undefined, clientCert: { subject: string } | undefined, allowClientCert: boolean): Principal | undefined;
  readonly required: boolean;
}

/** `--no-auth`: every request is anonymous and allowed. */
export const noAuth: AuthPolicy = {
  required: false,
  authenticate: () => ({ kind: "anonymous" }),
};

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Parses a token file's text; throws ERR_CONFIG_INVALID when it holds no token. */
export function parseTokens(text: string, path: string): Buffer[] {
  const tokens = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (tokens.length === 0) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--token-file ${path}: no token in it (one per line)`);
  for (const t of tokens) {
    if (!/^[\x21-\x7e]+$/.test(t)) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--token-file ${path}: a token holds spaces or non-printable characters`);
  }
  return tokens.map(digest);
}

/** Bearer tokens from a file, re-read when its size or mtime changes (checked at most every 2 s). */
export class TokenFileAuth implements AuthPolicy {
  readonly required = true;
  private digests: Buffer[];
  private stamp: string;
  private checkedAt: number;

  constructor(
    private readonly path: string,
    private readonly clock: () => number = Date.now,
    private readonly onReloadError: (err: unknown) => void = () => {},
  ) {
    const { digests, stamp } = this.read();
    this.digests = digests;
    this.stamp = stamp;
    this.checkedAt = clock();
  }

  private read(): { digests: Buffer[]; stamp: string } {
    let text: string;
    let stamp: string;
    try {
      const st = statSync(this.path);
      if (!st.isFile()) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--token-file ${this.path}: not a regular file`);
      if (st.size > MAX_TOKEN_FILE_BYTES) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--token-file ${this.path}: larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
      stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if (err instanceof CertdoctorError) throw err;
      throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--token-file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
    }
    return { digests: parseTokens(text, this.path), stamp };
  }

  private refresh(): void {
    const now = this.clock();
    if (now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    try {
      const st = statSync(this.path);
      if (`${st.size}:${st.mtimeMs}:${st.ino}` === this.stamp) return;
      const next = this.read();
      this.digests = next.digests;
      this.stamp = next.stamp;
    } catch (err) {
      // keep the tokens we have: a half-written or vanished file must not open or lock the API
      this.onReloadError(err);
    }
  }

  authenticate(authorization: string | undefined, clientCert: { subject: string } | undefined, allowClientCert: boolean): Principal | undefined {
    if (allowClientCert && clientCert !== undefined) return { kind: "client-cert", subject: clientCert.subject };
    const m = authorization === undefined ? null : /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(authorization.trim());
    if (m === null) return undefined;
    this.refresh();
    const given = digest(m[1]!);
    let match = -1;
    // compare against every token so the time taken does not say which one matched
    this.digests.forEach((d, i) => {
      if (timingSafeEqual(d, given) && match < 0) match = i;
    });
    return match < 0 ? undefined : { kind: "token", index: match };
  }
}
