/** Helpers to seed the test API server with real certificate material. Test-only code. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeApiServer } from "./server.js";

export const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString("base64");

export function secret(ns: string, name: string, data: Record<string, string | Uint8Array>, type = "Opaque"): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Secret", type, metadata: { name, namespace: ns }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

export function tlsSecret(ns: string, name: string, crt: string, key: string, ca?: string): Record<string, unknown> {
  return secret(ns, name, { "tls.crt": crt, "tls.key": key, ...(ca ? { "ca.crt": ca } : {}) }, "kubernetes.io/tls");
}

export function webhookConfig(name: string, caPem: string, service: { namespace: string; name: string }, kind = "ValidatingWebhookConfiguration"): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind,
    metadata: { name },
    webhooks: [{ name: `${name}.example.com`, admissionReviewVersions: ["v1"], sideEffects: "None", clientConfig: { caBundle: b64(caPem), service: { ...service, port: 443 } } }],
  };
}

export function node(name: string, addresses: string[]): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses: addresses.map((a, i) => ({ type: i === 0 ? "Hostname" : "InternalIP", address: a })) } };
}

export function kubeletServingCsr(name: string, nodeName: string, requestPem: string, createdAt: string, conditions: unknown[] = []): Record<string, unknown> {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name, creationTimestamp: createdAt },
    spec: { request: b64(requestPem), signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"], username: `system:node:${nodeName}`, groups: ["system:nodes", "system:authenticated"] },
    status: { conditions },
  };
}

/** A kubeconfig file for the server in a fresh temp dir; `cleanup` removes it. */
export function writeKubeconfig(server: KubeApiServer, token?: string, ca?: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-kube-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, server.kubeconfig(token, ca));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
