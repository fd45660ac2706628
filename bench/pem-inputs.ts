/**
 * Certificates of the public suites the agreement benches read: a limbo.json (each distinct certificate
 * of its testcases) or a directory of PEM files (pyca's vectors, the certificate-transparency test data),
 * one entry per CERTIFICATE block.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface PemInput {
  name: string;
  pem: string;
}

export function pemsOf(path: string): PemInput[] {
  if (path.endsWith(".json")) {
    const cases = (JSON.parse(readFileSync(path, "utf8")) as { testcases: { id: string; peer_certificate: string; trusted_certs: string[]; untrusted_intermediates: string[] }[] }).testcases;
    const seen = new Map<string, string>();
    for (const c of cases) for (const pem of [c.peer_certificate, ...c.trusted_certs, ...c.untrusted_intermediates]) if (!seen.has(pem)) seen.set(pem, c.id);
    return [...seen].map(([pem, id]) => ({ name: `limbo:${id}`, pem }));
  }
  const out: PemInput[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pem|crt)$/.test(e)) {
        const text = readFileSync(p, "latin1");
        // CRLs, keys and CSRs are not certificates.
        for (const m of text.matchAll(/-----BEGIN (?:X509 )?CERTIFICATE-----[\s\S]*?-----END (?:X509 )?CERTIFICATE-----/g)) out.push({ name: p, pem: m[0].replace(/X509 CERTIFICATE/g, "CERTIFICATE") });
      }
    }
  };
  walk(path);
  return out;
}
