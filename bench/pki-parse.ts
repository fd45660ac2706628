/**
 * Micro-benchmark, not a test: parses N certificates with parseCertificate and with
 * `new crypto.X509Certificate()`, then verifies them, and prints rates per second on one core.
 * Usage: node dist/bench/pki-parse.js [N=100000] [distinct=64]
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifySignature } from "../src/pki/verify.js";
import { parseCertificate } from "../src/pki/x509.js";

function runOpenssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** Realistic kubeadm-like leaves: RSA-2048 and P-256 keys, several SANs, signed by one RSA CA and one EC CA. */
function generateCerts(distinct: number): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-"));
  try {
    runOpenssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-rsa.key", "-out", "ca-rsa.pem", "-days", "3650", "-subj", "/CN=kubernetes"]);
    runOpenssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca-ec.key", "-out", "ca-ec.pem", "-days", "3650", "-subj", "/CN=etcd-ca"]);
    runOpenssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "leaf-rsa.key"]);
    runOpenssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf-ec.key"]);
    const out: Uint8Array[] = [readFileSync(join(dir, "ca-rsa.pem")), readFileSync(join(dir, "ca-ec.pem"))].map(pemToDer);
    for (let i = 0; out.length < distinct; i++) {
      const ec = i % 2 === 1;
      const ca = ec ? "ca-ec" : "ca-rsa";
      runOpenssl(dir, [
        "req", "-new", "-key", ec ? "leaf-ec.key" : "leaf-rsa.key", "-out", "leaf.csr",
        "-subj", `/O=system:nodes/CN=system:node:worker-${i}.cluster.local`,
      ]);
      writeFileSync(
        join(dir, "leaf.ext"),
        `subjectAltName=DNS:worker-${i},DNS:worker-${i}.cluster.local,IP:10.0.${i >> 8}.${i & 255}\n` +
          "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n" +
          "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n",
      );
      runOpenssl(dir, [
        "x509", "-req", "-in", "leaf.csr", "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "365",
        "-extfile", "leaf.ext", "-out", "leaf.der", "-outform", "DER",
      ]);
      out.push(readFileSync(join(dir, "leaf.der")));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pemToDer(pem: Buffer): Uint8Array {
  const b64 = pem.toString("latin1").replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Buffer.from(b64, "base64");
}

function measure(label: string, n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = n / seconds;
  console.log(`${label.padEnd(34)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} /s  (${n} in ${seconds.toFixed(3)} s)`);
  return rate;
}

const n = Number(process.argv[2] ?? 100_000);
const distinct = Math.max(2, Number(process.argv[3] ?? 64));
const certs = generateCerts(distinct);
// Distinct buffers per iteration so nothing is cached by identity.
const inputs = Array.from({ length: n }, (_, i) => Buffer.from(certs[i % certs.length]!));
const parsed = certs.map((c) => parseCertificate(c));
// Leaves with EC keys were signed by the EC CA (index 1), RSA ones by the RSA CA (index 0).
const issuerOf = parsed.map((p) => (p.record.keyType === "EC" ? parsed[1]! : parsed[0]!));

measure("parseCertificate", n, (i) => parseCertificate(inputs[i]!));
measure("new crypto.X509Certificate()", Math.min(n, 20_000), (i) => new X509Certificate(inputs[i]!));
measure("verifySignature (cached keys)", Math.min(n, 20_000), (i) => {
  const j = i % parsed.length;
  if (!verifySignature(parsed[j]!.material, issuerOf[j]!.material.spki)) throw new Error(`bench cert ${j} did not verify`);
});
