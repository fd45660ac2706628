/**
 * Kubelet-style certificate signing requests made with the real openssl CLI, for the approval policy and
 * approver tests: one key per type made once, then one `openssl req` per request. Test-only code.
 */
import { makeOpensslDir, type OpensslDir } from "./openssl.js";

export type CsrKey = "ec" | "rsa" | "rsa-1024" | "ed25519" | "secp256k1" | "p521";

export interface NodeCsrSpec {
  /** openssl -subj; default "/O=system:nodes/CN=system:node:NODE". */
  subject?: string;
  /** openssl subjectAltName value, e.g. "DNS:w1,IP:10.0.0.11"; undefined: no SAN extension. */
  san?: string;
  key?: CsrKey;
  /** Flip one bit of the signature (a request altered after signing). */
  breakSignature?: boolean;
}

export class NodeCsrMaker {
  private readonly o: OpensslDir;
  private readonly keys = new Set<CsrKey>();
  private n = 0;

  constructor() {
    this.o = makeOpensslDir("certdoctor-node-csr-");
  }

  private key(k: CsrKey): string {
    if (!this.keys.has(k)) {
      const args: Record<CsrKey, string[]> = {
        ec: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        p521: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
        secp256k1: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        rsa: ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "rsa-1024": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        ed25519: ["genpkey", "-algorithm", "ED25519"],
      };
      this.o.run(...args[k], "-out", `${k}.key`);
      this.keys.add(k);
    }
    return `${k}.key`;
  }

  /** DER of a request from node `node` (subject and SANs as given). */
  der(node: string, spec: NodeCsrSpec = {}): Buffer {
    const name = `r${++this.n}`;
    const subject = spec.subject ?? `/O=system:nodes/CN=system:node:${node}`;
    this.o.run("req", "-new", "-key", this.key(spec.key ?? "ec"), "-subj", subject, ...(spec.san === undefined ? [] : ["-addext", `subjectAltName=${spec.san}`]), "-outform", "DER", "-out", `${name}.der`);
    const der = this.o.read(`${name}.der`);
    if (spec.breakSignature) der[der.length - 3]! ^= 0x01;
    return der;
  }

  /** The same request as PEM text (what spec.request holds, base64-encoded once more). */
  pem(node: string, spec: NodeCsrSpec = {}): string {
    const der = this.der(node, spec);
    const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
  }

  cleanup(): void {
    this.o.cleanup();
  }
}
