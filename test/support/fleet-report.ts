/**
 * Synthetic node-agent reports for the server benchmarks (bench/server.ts) and the kill -9 ingest test: node N
 * reports the fleet's shared cluster CA plus `certs - 1` certificates of its own, two findings, exactly
 * in docs/agent.md's POST contract; and a small HTTP client posting them with node:http keep-alive
 * sockets (no fetch/web-streams overhead on the client side of the measurement).
 */
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";

export const NOW = Date.parse("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const hex = (s: string) => createHash("sha256").update(s).digest("hex");
const CA = hex("fleet-ca");

export function nodeName(node: number): string {
  return `node-${String(node).padStart(5, "0")}`;
}

/** Node `node`'s report number `sequence`; `generation` > 0 renews one certificate per generation (a changed report). */
export function agentReport(node: number, certs: number, sequence: number, scannedAt = NOW, generation = 0): string {
  const name = nodeName(node);
  const certificates: Array<Record<string, unknown> & { fingerprint: string; subject: string; locations: string[] }> = [
    { fingerprint: CA, subject: "CN=kubernetes", issuer: "CN=kubernetes", serialNumber: "01", notBefore: new Date(NOW - 300 * DAY).toISOString(), notAfter: new Date(NOW + 3000 * DAY).toISOString(), isCA: true, keyType: "EC", keySize: 256, signatureAlgorithm: "ecdsa-with-SHA256", dnsNames: [], ipAddresses: [], issuers: [], locations: ["file:/etc/kubernetes/pki/ca.crt"], role: "cluster CA" },
  ];
  for (let i = 1; i < certs; i++) {
    const renewed = generation > 0 && i === 1 + ((generation - 1) % (certs - 1)) ? `/g${generation}` : "";
    const notAfter = NOW + ((node * 7 + i * 13) % 400) * DAY;
    certificates.push({ fingerprint: hex(`${name}/${i}${renewed}`), subject: `CN=${name}-cert-${i}`, issuer: "CN=kubernetes", serialNumber: String(i), notBefore: new Date(NOW - 30 * DAY).toISOString(), notAfter: new Date(notAfter).toISOString(), isCA: false, keyType: "EC", keySize: 256, signatureAlgorithm: "ecdsa-with-SHA256", dnsNames: [name], ipAddresses: [], issuers: [CA], locations: [`file:/var/lib/kubelet/pki/cert-${i}.crt`], role: "kubelet client" });
  }
  const soon = certificates[1]!;
  const findings = [
    { rule: "cert-expiring", severity: "warning", title: `${soon.subject} expires soon`, detail: "d", remediation: "r", certificates: [soon.fingerprint], locations: soon.locations },
    { rule: "weak-crypto", severity: "info", title: "weak", detail: "d", remediation: "r", certificates: [certificates[2]!.fingerprint], locations: certificates[2]!.locations },
  ];
  return JSON.stringify({ schemaVersion: 1, evaluatedAt: new Date(scannedAt).toISOString(), certificates, findings, keys: [], notes: [], agent: { nodeName: name, agentVersion: "0.1.0", agentId: agentId(node), sequence, scannedAt: new Date(scannedAt).toISOString(), scanDurationMs: 40 } });
}

export function agentId(node: number): string {
  return `00000000-0000-4000-8000-${String(node).padStart(12, "0")}`;
}

export interface PostResult {
  status: number;
  changes: number;
  ms: number;
}

/** A keep-alive client for POST /api/v1/agent-reports on `base` (http://host:port). */
export function reportPoster(base: string, sockets: number): { post(node: number, sequence: number, body: string): Promise<PostResult>; close(): void } {
  const url = new URL("/api/v1/agent-reports", base);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    post(node, sequence, body) {
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "idempotency-key": `${agentId(node)}:${sequence}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const out = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { changes?: number };
            resolve({ status: res.statusCode ?? 0, changes: out.changes ?? 0, ms: performance.now() - started });
          });
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
