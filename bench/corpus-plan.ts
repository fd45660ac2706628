/**
 * The corpus as data: which leaves exist, what they look like and which file each one lands in.
 * Pure and seeded, so both the parent and the signing workers derive the same plan independently.
 */

/** Bump when the plan or the layout changes: cached corpora of an older version are regenerated. */
export const CORPUS_VERSION = 2;
export const DEFAULT_SEED = 0x5eed_c0de;

/** Two RSA-2048 and two ECDSA P-256 chains, each root -> intermediate. */
export const CHAIN_KEYS = ["RSA", "RSA", "EC", "EC"] as const;
export type KeyAlg = (typeof CHAIN_KEYS)[number];
export const CA_COUNT = CHAIN_KEYS.length * 2;

/** Leaf keys are drawn from a small reused pool: slots 0..3 RSA-2048, 4..7 ECDSA P-256. */
export const LEAF_KEY_POOL: readonly KeyAlg[] = ["RSA", "RSA", "RSA", "RSA", "EC", "EC", "EC", "EC"];

const DAY_MS = 86_400_000;
/** Leaves start between these dates and are valid for 365 days, so at `BENCH_NOW` ~8% are expired,
 * ~8% expire within 30 days and the rest are fine: the rules get something to report. */
const FIRST_NOT_BEFORE = Date.UTC(2024, 4, 1);
const NOT_BEFORE_SPREAD_DAYS = 395;
export const LEAF_VALIDITY_MS = 365 * DAY_MS;
export const BENCH_NOW = new Date(Date.UTC(2025, 5, 1));

export type Eku = "serverAuth" | "clientAuth";

export interface San {
  type: "dns" | "ip";
  value: string;
}

export interface LeafSpec {
  index: number;
  chain: number;
  keySlot: number;
  serialHex: string;
  /** @peculiar/x509 name string, written in DER order (most significant RDN first, as real CAs do). */
  subject: string;
  sans: San[];
  eku: Eku[];
  notBefore: number;
  notAfter: number;
}

export interface SecretSpec {
  namespace: string;
  name: string;
  leaf: number;
  withKey: boolean;
}

export type FilePlan =
  | { kind: "ca"; path: string; ca: number }
  | { kind: "single"; path: string; format: "crt" | "pem" | "der"; leaf: number }
  | { kind: "bundle"; path: string; chain: number; leaves: number[] }
  | { kind: "secret-yaml"; path: string; secrets: SecretSpec[] }
  | { kind: "secret-list"; path: string; secrets: SecretSpec[] };

export interface CorpusPlan {
  /** Distinct certificates: leaves + CAs. */
  size: number;
  seed: number;
  leaves: LeafSpec[];
  files: FilePlan[];
}

/** CA numbering: chain c has root 2c and intermediate 2c+1. */
export function getRootIndex(chain: number): number {
  return chain * 2;
}

export function getIntermediateIndex(chain: number): number {
  return chain * 2 + 1;
}

/** mulberry32: tiny, fast, good enough to spread names and layout; not for anything secret. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

const SERVICES = ["api", "web", "auth", "metrics", "etcd", "ingress", "webhook", "db", "cache", "queue", "grafana", "registry"];
const NAMESPACES = ["default", "kube-system", "monitoring", "payments", "ingress-nginx", "cert-manager", "platform", "data"];

function describeServerLeaf(rand: () => number, index: number): Pick<LeafSpec, "subject" | "sans" | "eku"> {
  const svc = `${SERVICES[index % SERVICES.length]}-${index}`;
  const ns = NAMESPACES[pickInt(rand, 0, NAMESPACES.length - 1)]!;
  const candidates: San[] = [
    { type: "dns", value: `${svc}.${ns}.svc` },
    { type: "dns", value: `${svc}.${ns}.svc.cluster.local` },
    { type: "dns", value: `${svc}.example.com` },
    { type: "ip", value: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` },
  ];
  const sans = candidates.slice(0, pickInt(rand, 1, 4));
  const eku: Eku[] = rand() < 0.25 ? ["serverAuth", "clientAuth"] : ["serverAuth"];
  return { subject: `O=certdoctor-bench,CN=${svc}.${ns}.svc`, sans, eku };
}

function describeClientLeaf(rand: () => number, index: number): Pick<LeafSpec, "subject" | "sans" | "eku"> {
  const node = `node-${index}`;
  const sans: San[] = [{ type: "dns", value: `${node}.nodes.example.com` }];
  if (rand() < 0.5) sans.push({ type: "ip", value: `192.168.${(index >> 8) & 255}.${index & 255}` });
  return { subject: `O=system:nodes,CN=system:node:${node}`, sans, eku: ["clientAuth"] };
}

/** Everything about leaf `index` except its chain, which the layout decides. */
function describeLeaf(seed: number, index: number, chain: number): LeafSpec {
  const rand = createRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const fields = rand() < 0.7 ? describeServerLeaf(rand, index) : describeClientLeaf(rand, index);
  const notBefore = FIRST_NOT_BEFORE + pickInt(rand, 0, NOT_BEFORE_SPREAD_DAYS) * DAY_MS;
  const tail = Array.from({ length: 6 }, () => pickInt(rand, 0, 255).toString(16).padStart(2, "0")).join("");
  return {
    index,
    chain,
    keySlot: pickInt(rand, 0, LEAF_KEY_POOL.length - 1),
    // Leading byte 01..04 keeps the INTEGER positive; the index part makes serials unique per issuer.
    serialHex: `0${chain + 1}${index.toString(16).padStart(8, "0")}${tail}`,
    ...fields,
    notBefore,
    notAfter: notBefore + LEAF_VALIDITY_MS,
  };
}

/** ~100 files per directory, two levels deep under the kind's own folder. */
function placeFile(kind: string, fileNo: number, name: string): string {
  const group = String(Math.floor(fileNo / 10_000)).padStart(2, "0");
  const dir = String(Math.floor(fileNo / 100) % 100).padStart(2, "0");
  return `${kind}/g${group}/d${dir}/${name}`;
}

const MANIFEST_BATCH = 50;

/**
 * Plans a corpus of `size` distinct certificates: 8 CAs plus `size - 8` leaves. Leaves split ~40%
 * single-cert files (.crt/.pem/.der), ~30% PEM bundles of 5-20 certs with their chain, ~30%
 * `kubernetes.io/tls` Secrets (single YAML, multi-document YAML of ~50, or `kind: List` JSON of ~50).
 */
export function planCorpus(size: number, seed: number = DEFAULT_SEED): CorpusPlan {
  if (!Number.isInteger(size) || size < CA_COUNT + 10) throw new RangeError(`corpus size must be an integer >= ${CA_COUNT + 10}`);
  const leafCount = size - CA_COUNT;
  const rand = createRandom(seed);
  const leaves: LeafSpec[] = [];
  const files: FilePlan[] = [];
  const addLeaf = (chain: number): number => {
    const spec = describeLeaf(seed, leaves.length, chain);
    leaves.push(spec);
    return spec.index;
  };

  for (let ca = 0; ca < CA_COUNT; ca++) {
    const role = ca % 2 === 0 ? "root" : "intermediate";
    files.push({ kind: "ca", path: `pki/${role}-${Math.floor(ca / 2)}.crt`, ca });
  }

  const singleCount = Math.round(leafCount * 0.4);
  const bundleLeafCount = Math.round(leafCount * 0.3);
  const secretCount = leafCount - singleCount - bundleLeafCount;

  for (let i = 0; i < singleCount; i++) {
    const r = rand();
    const format = r < 0.45 ? "crt" : r < 0.8 ? "pem" : "der";
    const leaf = addLeaf(pickInt(rand, 0, CHAIN_KEYS.length - 1));
    files.push({ kind: "single", path: placeFile("certs", i, `leaf-${leaf}.${format}`), format, leaf });
  }

  for (let remaining = bundleLeafCount, n = 0; remaining > 0; n++) {
    // 3..18 leaves + intermediate + root = 5..20 certificates per bundle.
    let take = Math.min(remaining, pickInt(rand, 3, 18));
    if (remaining - take > 0 && remaining - take < 3) take = remaining;
    const chain = pickInt(rand, 0, CHAIN_KEYS.length - 1);
    const bundleLeaves = Array.from({ length: take }, () => addLeaf(chain));
    files.push({ kind: "bundle", path: placeFile("bundles", n, `bundle-${n}.pem`), chain, leaves: bundleLeaves });
    remaining -= take;
  }

  const secrets: SecretSpec[] = [];
  for (let i = 0; i < secretCount; i++) {
    const leaf = addLeaf(pickInt(rand, 0, CHAIN_KEYS.length - 1));
    const namespace = `team-${i % 40}`;
    secrets.push({ namespace, name: `tls-${leaf}`, leaf, withKey: rand() < 0.1 });
  }
  let fileNo = 0;
  for (let at = 0; at < secrets.length; fileNo++) {
    const r = rand();
    if (r < 0.2) {
      files.push({ kind: "secret-yaml", path: placeFile("secrets", fileNo, `secret-${fileNo}.yaml`), secrets: secrets.slice(at, at + 1) });
      at += 1;
    } else if (r < 0.65) {
      const batch = secrets.slice(at, at + MANIFEST_BATCH);
      files.push({ kind: "secret-yaml", path: placeFile("secrets", fileNo, `secrets-${fileNo}.yaml`), secrets: batch });
      at += batch.length;
    } else {
      const batch = secrets.slice(at, at + MANIFEST_BATCH);
      files.push({ kind: "secret-list", path: placeFile("secrets", fileNo, `secrets-${fileNo}.json`), secrets: batch });
      at += batch.length;
    }
  }

  return { size, seed, leaves, files };
}

/** Number of certificate occurrences (every certificate in every file, CAs counted each time). */
export function countOccurrences(plan: CorpusPlan): number {
  let total = 0;
  for (const f of plan.files) {
    if (f.kind === "ca" || f.kind === "single") total += 1;
    else if (f.kind === "bundle") total += f.leaves.length + 2;
    // tls.crt holds leaf + intermediate, ca.crt holds the root.
    else total += f.secrets.length * 3;
  }
  return total;
}
