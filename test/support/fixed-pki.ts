/**
 * A scratch PKI for metrics tests: certificates issued by `openssl ca` with explicit dates, serials and
 * whole subjects (a policy that keeps every DN field), so values can be checked against what openssl
 * itself prints for the same files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface IssueOptions {
  subj: string;
  /** ISO-8601 UTC, e.g. 2026-01-01T00:00:00Z. */
  start: string;
  end: string;
  ca?: boolean;
  /** Name of the signer (NAME.crt / NAME.key under the PKI's work dir); omitted: self-signed. */
  signer?: string;
  /** Serial number in hex (as `openssl ca` reads it); default random positive 16 bytes. */
  serial?: string;
}

export interface OpensslFields {
  serialHex: string;
  notBefore: number;
  notAfter: number;
  fingerprint: string;
}

function asn1Time(iso: string): string {
  return iso.replace(/[-:T]/g, "").replace(/\.\d+/, "");
}

export class FixedPki {
  /** Where certificates and keys are made (NAME.crt, NAME.key). */
  readonly work = mkdtempSync(join(tmpdir(), "certdoctor-metrics-pki-"));
  /** The tree that gets scanned. */
  readonly tree = join(this.work, "tree");

  constructor() {
    mkdirSync(this.tree);
  }

  openssl(...args: string[]): string {
    try {
      return execFileSync("openssl", args, { cwd: this.work, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      throw new Error(`openssl ${args.join(" ")}: ${(err as { stderr?: string }).stderr ?? err}`);
    }
  }

  issue(name: string, o: IssueOptions): string {
    const d = mkdtempSync(join(this.work, "ca-"));
    writeFileSync(join(d, "index.txt"), "");
    writeFileSync(join(d, "index.txt.attr"), "unique_subject = no\n");
    writeFileSync(join(d, "serial"), `${o.serial ?? `7f${execFileSync("openssl", ["rand", "-hex", "15"], { encoding: "utf8" }).trim()}`}\n`);
    writeFileSync(
      join(d, "ca.cnf"),
      [
        "[ca]", "default_ca = fx", "[fx]", `database = ${d}/index.txt`, `new_certs_dir = ${d}`, `serial = ${d}/serial`, "policy = anything",
        "unique_subject = no", "email_in_dn = no", "copy_extensions = none", "default_md = sha256",
        "[anything]", "countryName = optional", "stateOrProvinceName = optional", "localityName = optional", "organizationName = optional",
        "organizationalUnitName = optional", "commonName = optional",
        "[req]", "distinguished_name = dn", "string_mask = utf8only", "[dn]",
        "[ext]", o.ca ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign" : "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth",
      ].join("\n"),
    );
    this.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`);
    this.openssl("req", "-new", "-utf8", "-key", `${name}.key`, "-subj", o.subj, "-config", join(d, "ca.cnf"), "-out", join(d, "req.csr"));
    const signer = o.signer === undefined ? ["-selfsign", "-keyfile", `${name}.key`] : ["-cert", `${o.signer}.crt`, "-keyfile", `${o.signer}.key`];
    this.openssl("ca", "-batch", "-utf8", "-config", join(d, "ca.cnf"), ...signer, "-in", join(d, "req.csr"), "-out", `${name}.crt`, "-notext",
      "-preserveDN", "-startdate", asn1Time(o.start), "-enddate", asn1Time(o.end), "-extfile", join(d, "ca.cnf"), "-extensions", "ext");
    rmSync(d, { recursive: true, force: true });
    return this.pem(name);
  }

  pem(name: string): string {
    return readFileSync(join(this.work, `${name}.crt`), "utf8");
  }

  keyPem(name: string): string {
    return readFileSync(join(this.work, `${name}.key`), "utf8");
  }

  /** What openssl prints for certificate NAME. */
  fields(name: string): OpensslFields {
    const out = this.openssl("x509", "-in", `${name}.crt`, "-noout", "-serial", "-startdate", "-enddate", "-dateopt", "iso_8601", "-fingerprint", "-sha256");
    const get = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(out)![1]!;
    return {
      serialHex: get("serial"),
      notBefore: Date.parse(get("notBefore").replace(" ", "T")),
      notAfter: Date.parse(get("notAfter").replace(" ", "T")),
      fingerprint: get("sha256 Fingerprint").replace(/:/g, "").toLowerCase(),
    };
  }

  /** Writes a file under the scanned tree (parents created); returns its absolute path. */
  put(rel: string, data: string): string {
    const path = join(this.tree, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    return path;
  }

  link(rel: string, target: string): string {
    const path = join(this.tree, rel);
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    symlinkSync(target, path);
    return path;
  }

  remove(rel: string): void {
    rmSync(join(this.tree, rel), { recursive: true, force: true });
  }

  cleanup(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

export function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}
