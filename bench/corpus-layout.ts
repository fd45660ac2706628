/** Writes a planned corpus to disk: PEM/DER files, PEM bundles and Secret manifests. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { getIntermediateIndex, getRootIndex, type CorpusPlan, type FilePlan, type SecretSpec } from "./corpus-plan.js";

export interface CorpusBytes {
  /** DER per leaf index. */
  leaves: Uint8Array[];
  /** DER per CA number. */
  cas: Uint8Array[];
  /** PKCS#8 PEM per leaf key pool slot, for the Secrets that carry a tls.key. */
  poolKeysPem: string[];
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}

function encodeCertPem(der: Uint8Array): string {
  return encodePem("CERTIFICATE", der);
}

function buildSecretData(s: SecretSpec, plan: CorpusPlan, bytes: CorpusBytes): Record<string, string> {
  const leaf = plan.leaves[s.leaf]!;
  const tlsCrt = encodeCertPem(bytes.leaves[s.leaf]!) + encodeCertPem(bytes.cas[getIntermediateIndex(leaf.chain)]!);
  const data: Record<string, string> = {
    "ca.crt": Buffer.from(encodeCertPem(bytes.cas[getRootIndex(leaf.chain)]!)).toString("base64"),
    "tls.crt": Buffer.from(tlsCrt).toString("base64"),
  };
  if (s.withKey) data["tls.key"] = Buffer.from(bytes.poolKeysPem[leaf.keySlot]!).toString("base64");
  return data;
}

function renderSecretYaml(s: SecretSpec, plan: CorpusPlan, bytes: CorpusBytes): string {
  const data = buildSecretData(s, plan, bytes);
  const lines = [
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    `  name: ${s.name}`,
    `  namespace: ${s.namespace}`,
    "  annotations:",
    `    cert-manager.io/certificate-name: ${s.name}`,
    "type: kubernetes.io/tls",
    "data:",
    ...Object.entries(data).map(([k, v]) => `  ${k}: ${v}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Shaped like `kubectl get secrets -A -o json`. */
function renderSecretList(secrets: SecretSpec[], plan: CorpusPlan, bytes: CorpusBytes): string {
  const items = secrets.map((s) => ({
    apiVersion: "v1",
    data: buildSecretData(s, plan, bytes),
    kind: "Secret",
    metadata: {
      annotations: { "cert-manager.io/certificate-name": s.name },
      creationTimestamp: "2025-01-01T00:00:00Z",
      name: s.name,
      namespace: s.namespace,
      resourceVersion: String(1000 + s.leaf),
      uid: `00000000-0000-4000-8000-${s.leaf.toString(16).padStart(12, "0")}`,
    },
    type: "kubernetes.io/tls",
  }));
  return `${JSON.stringify({ apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } }, null, 4)}\n`;
}

function renderFile(f: FilePlan, plan: CorpusPlan, bytes: CorpusBytes): string | Uint8Array {
  switch (f.kind) {
    case "ca":
      return encodeCertPem(bytes.cas[f.ca]!);
    case "single":
      return f.format === "der" ? bytes.leaves[f.leaf]! : encodeCertPem(bytes.leaves[f.leaf]!);
    case "bundle":
      return (
        f.leaves.map((i) => encodeCertPem(bytes.leaves[i]!)).join("") +
        encodeCertPem(bytes.cas[getIntermediateIndex(f.chain)]!) +
        encodeCertPem(bytes.cas[getRootIndex(f.chain)]!)
      );
    case "secret-yaml":
      return f.secrets.map((s) => renderSecretYaml(s, plan, bytes)).join("---\n");
    case "secret-list":
      return renderSecretList(f.secrets, plan, bytes);
  }
}

/** Writes every planned file below `root`; returns the total bytes written. */
export function writeCorpusFiles(root: string, plan: CorpusPlan, bytes: CorpusBytes): number {
  const made = new Set<string>();
  let total = 0;
  for (const f of plan.files) {
    const path = join(root, f.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const content = renderFile(f, plan, bytes);
    writeFileSync(path, content);
    total += typeof content === "string" ? Buffer.byteLength(content) : content.length;
  }
  return total;
}
