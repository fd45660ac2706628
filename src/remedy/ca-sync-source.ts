/**
 * Where `fix ca-sync` takes the CA from: a location ref found by a scan (`secret:kubeedge/casecret#cadata`
 * from a dump or the API), a file, or a CloudCore-style URL fetched with the trust the user names.
 */
import { request } from "node:https";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Inventory } from "../inventory/inventory.js";
import { formatRef, parseRef, valueRefOf } from "../model/ref.js";
import { parseCertBytes, readRegularFile, MAX_CA_FILE_BYTES } from "./cert-file.js";
import type { CaSyncSource } from "./ca-sync.js";

export type SourceSpec = { kind: "ref"; ref: string; namespace?: string } | { kind: "file"; path: string } | { kind: "url"; url: URL };

/** Classifies `--from`. A bare path or `file:PATH` is a file; `https://` a URL; other `kind:` forms are refs. */
export function parseSourceSpec(value: string, resolvePath: (p: string) => string): SourceSpec {
  if (/^https:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `--from ${value} is not a valid URL`);
    }
    return { kind: "url", url };
  }
  if (/^http:\/\//i.test(value)) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--from over plain http would let anyone on the path choose your CA: use https:// with --source-ca");
  const ref = parseRef(value);
  if (ref?.kind === "file") return { kind: "file", path: resolvePath(ref.location) };
  if (ref !== undefined && ref.kind !== "endpoint" && ref.kind !== "dir") {
    return { kind: "ref", ref: formatRef(ref), ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) };
  }
  return { kind: "file", path: resolvePath(value) };
}

/** The single certificate at `ref` in a scan (`ref` itself, or `ref#0` when it is the only block). */
export function sourceFromInventory(inv: Inventory, ref: string, der: (fingerprint: string) => Buffer | undefined): CaSyncSource {
  const hits = new Map<string, ReturnType<Inventory["live"]>[number]>();
  for (const cert of inv.live()) {
    for (const l of cert.locations) if (!l.backup && (l.ref === ref || valueRefOf(l.ref) === ref)) hits.set(cert.record.fingerprint, cert);
  }
  if (hits.size === 0) throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, `no certificate at ${ref} in what was scanned (give the dump with --path, or --kube)`);
  if (hits.size > 1) throw new CertdoctorError(ErrorCode.ERR_USAGE, `${ref} holds ${hits.size} certificates; name one of them with its #N position`);
  const cert = [...hits.values()][0]!;
  const bytes = der(cert.record.fingerprint);
  if (bytes === undefined) throw new CertdoctorError(ErrorCode.ERR_INTERNAL, `the scan kept no bytes for ${ref}`);
  return { name: ref, der: bytes, record: cert.record };
}

/** A CA file on disk. */
export function sourceFromFile(path: string): CaSyncSource {
  let parsed;
  try {
    parsed = parseCertBytes(readRegularFile(path).bytes);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, `cannot read --from ${path}: ${(err as NodeJS.ErrnoException).code ?? "invalid"}`, { cause: err });
  }
  return single(parsed, path);
}

function single(parsed: ReturnType<typeof parseCertBytes>, name: string): CaSyncSource {
  if (parsed === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--from ${name} holds no certificate`);
  if (parsed.certs.length !== 1) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--from ${name} holds ${parsed.certs.length} certificates; give a file with the one CA`);
  return { name, der: Buffer.from(parsed.certs[0]!.der), record: parsed.certs[0]!.record };
}

/** GET `url` over TLS verified with `ca` (PEM), at most 1 MiB, within `timeoutMs`. */
export function sourceFromUrl(url: URL, ca: Buffer, timeoutMs: number): Promise<CaSyncSource> {
  return new Promise((resolvePromise, reject) => {
    const fail = (why: string, cause?: unknown) => reject(new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `cannot fetch ${url.origin}${url.pathname}: ${why}`, cause === undefined ? {} : { cause }));
    const req = request(url, { method: "GET", ca, timeout: timeoutMs, headers: { accept: "application/octet-stream, application/x-pem-file, */*" } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(`HTTP ${res.statusCode}`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_CA_FILE_BYTES) {
          req.destroy();
          fail(`answer larger than ${MAX_CA_FILE_BYTES} bytes`);
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        try {
          resolvePromise(single(parseCertBytes(Buffer.concat(chunks)), `${url.origin}${url.pathname}`));
        } catch (err) {
          reject(err);
        }
      });
      res.on("error", (err) => fail((err as NodeJS.ErrnoException).code ?? "read error", err));
    });
    req.on("timeout", () => {
      req.destroy();
      fail(`no answer within ${timeoutMs} ms`);
    });
    req.on("error", (err) => fail((err as NodeJS.ErrnoException).code ?? err.message, err));
    req.end();
  });
}
