import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

/** A scratch directory where tests run the real openssl CLI. */
export interface OpensslDir {
  dir: string;
  /** Runs `openssl ...args` with cwd = dir; returns stdout. Throws with openssl's stderr on failure. */
  run(...args: string[]): string;
  path(name: string): string;
  read(name: string): Buffer;
  readText(name: string): string;
  write(name: string, data: string | Uint8Array): string;
  /** Self-signed CA (`NAME.crt`, `NAME.key`). */
  makeCa(name: string, subject?: string, keyAlg?: KeyAlg): void;
  /** Leaf signed by `ca` (`NAME.crt`, `NAME.key`), with optional SAN string like "DNS:a,IP:10.0.0.1". */
  makeLeaf(name: string, ca: string, subject?: string, san?: string, keyAlg?: KeyAlg): void;
  /** Converts a PEM certificate to DER file `out`. */
  toDer(pemName: string, out: string): void;
  /** DER of the PEM certificate file `name` (written beside it as `NAME.der`). */
  readCertDer(name: string): Buffer;
  cleanup(): void;
}

export type KeyAlg = "rsa" | "ec" | "ed25519";

export function makeOpensslDir(prefix = "certdoctor-"): OpensslDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const run = (...args: string[]): string => {
    try {
      return execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? "";
      throw new Error(`openssl ${args.join(" ")} failed: ${stderr}`);
    }
  };
  const keyArgs = (alg: KeyAlg): string[] =>
    alg === "rsa" ? ["-newkey", "rsa:2048"] : alg === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "ed25519"];
  return {
    dir,
    run,
    path: (name) => join(dir, name),
    read: (name) => readFileSync(join(dir, name)),
    readText: (name) => readFileSync(join(dir, name), "utf8"),
    write(name, data) {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    },
    makeCa(name, subject = `/CN=${basename(name)}`, keyAlg = "ec") {
      run("req", "-x509", ...keyArgs(keyAlg), "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", subject, "-days", "365",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    },
    makeLeaf(name, ca, subject = `/CN=${basename(name)}`, san, keyAlg = "ec") {
      run("req", "-new", ...keyArgs(keyAlg), "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject,
        ...(san === undefined ? [] : ["-addext", `subjectAltName=${san}`]));
      run("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "90",
        "-copy_extensions", "copyall");
    },
    toDer(pemName, out) {
      run("x509", "-in", pemName, "-outform", "DER", "-out", out);
    },
    readCertDer(name) {
      run("x509", "-in", name, "-outform", "DER", "-out", `${name}.der`);
      return readFileSync(join(dir, `${name}.der`));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
