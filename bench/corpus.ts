/**
 * Bench corpus: generated once per size, cached under `.bench-cache/<size>-v<N>/` so reruns are
 * instant. `corpus.json` is written last and marks a complete corpus.
 */
import { fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCorpusFiles, encodePem } from "./corpus-layout.js";
import { BENCH_NOW, CA_COUNT, CORPUS_VERSION, DEFAULT_SEED, countOccurrences, planCorpus, type FilePlan } from "./corpus-plan.js";
import { createSigningMaterial, type SigningMaterial } from "./corpus-sign.js";
import type { WorkerReply, WorkerRequest } from "./corpus-worker.js";
import { unpackDers } from "./der-pack.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/ -> repository root; CERTDOCTOR_BENCH_CACHE moves it (a 1M corpus is generated once into /tmp and shared by worktrees). */
export const DEFAULT_CACHE_ROOT = process.env.CERTDOCTOR_BENCH_CACHE || resolve(HERE, "..", "..", ".bench-cache");

export interface CorpusInfo {
  version: number;
  seed: number;
  /** Directory to scan. */
  dir: string;
  /** Distinct certificates (leaves + CAs): what a scan must report. */
  certificates: number;
  leaves: number;
  cas: number;
  files: number;
  /** Every certificate in every file; CAs repeat across bundles and Secrets. */
  occurrences: number;
  filesByKind: Record<FilePlan["kind"], number>;
  secrets: number;
  secretsWithKey: number;
  bytes: number;
  /** The `now` the corpus dates were chosen around; scans should pin it. */
  now: string;
  generationSeconds: number;
}

export interface EnsureCorpusOptions {
  cacheRoot?: string;
  seed?: number;
  /** Signing child processes. */
  workers?: number;
  log?: (line: string) => void;
}

export function getCorpusPath(size: number, cacheRoot: string = DEFAULT_CACHE_ROOT): string {
  return join(cacheRoot, `${size}-v${CORPUS_VERSION}`);
}

function signInChild(req: WorkerRequest, abort: AbortSignal): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    // The signal ends this child when a sibling fails, instead of letting it sign to the end.
    const child = fork(join(HERE, "corpus-worker.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], signal: abort });
    let reply: WorkerReply | undefined;
    child.once("message", (m: WorkerReply) => (reply = m));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (reply?.ok) resolvePromise(reply.count);
      else reject(new Error(`corpus worker failed (exit ${code}): ${reply?.error ?? "no reply"}`));
    });
    child.send(req);
  });
}

async function signLeaves(
  size: number,
  seed: number,
  leafCount: number,
  material: SigningMaterial,
  workers: number,
  scratch: string,
): Promise<Uint8Array[]> {
  const per = Math.ceil(leafCount / workers);
  const stop = new AbortController();
  const jobs: Promise<number>[] = [];
  const outPaths: string[] = [];
  for (let w = 0; w < workers && w * per < leafCount; w++) {
    const outPath = join(scratch, `leaves-${w}.bin`);
    outPaths.push(outPath);
    const req = { material, size, seed, from: w * per, to: Math.min(leafCount, (w + 1) * per), outPath };
    jobs.push(signInChild(req, stop.signal));
  }
  try {
    await Promise.all(jobs);
  } catch (err) {
    stop.abort();
    throw err;
  }
  const ders: Uint8Array[] = [];
  for (const p of outPaths) {
    for (const d of unpackDers(await readFile(p))) ders.push(d);
    await rm(p);
  }
  if (ders.length !== leafCount) throw new Error(`corpus workers returned ${ders.length} leaves, expected ${leafCount}`);
  return ders;
}

function summarizePlan(plan: ReturnType<typeof planCorpus>): Pick<CorpusInfo, "files" | "occurrences" | "filesByKind" | "secrets" | "secretsWithKey"> {
  const filesByKind: CorpusInfo["filesByKind"] = { ca: 0, single: 0, bundle: 0, "secret-yaml": 0, "secret-list": 0 };
  let secrets = 0;
  let secretsWithKey = 0;
  for (const f of plan.files) {
    filesByKind[f.kind]++;
    if (f.kind === "secret-yaml" || f.kind === "secret-list") {
      secrets += f.secrets.length;
      secretsWithKey += f.secrets.filter((s) => s.withKey).length;
    }
  }
  return { files: plan.files.length, occurrences: countOccurrences(plan), filesByKind, secrets, secretsWithKey };
}

/** Generates the corpus for `size` distinct certificates unless a complete cached copy exists. */
export async function ensureCorpus(size: number, options: EnsureCorpusOptions = {}): Promise<CorpusInfo> {
  const seed = options.seed ?? DEFAULT_SEED;
  const base = getCorpusPath(size, options.cacheRoot);
  const infoPath = join(base, "corpus.json");
  if (existsSync(infoPath)) {
    const cached = JSON.parse(readFileSync(infoPath, "utf8")) as CorpusInfo;
    if (cached.version === CORPUS_VERSION && cached.seed === seed && cached.certificates === size) return cached;
  }
  const log = options.log ?? (() => {});
  const started = performance.now();
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const plan = planCorpus(size, seed);
  log(`generating corpus of ${size} certificates in ${base} ...`);
  const material = await createSigningMaterial();
  const leaves = await signLeaves(size, seed, plan.leaves.length, material, options.workers ?? 2, base);
  const dir = join(base, "tree");
  const bytes = writeCorpusFiles(dir, plan, {
    leaves,
    cas: material.cas.map((c) => Buffer.from(c.der, "base64")),
    poolKeysPem: material.pool.map((k) => encodePem("PRIVATE KEY", Buffer.from(k.pkcs8, "base64"))),
  });
  const info: CorpusInfo = {
    version: CORPUS_VERSION,
    seed,
    dir,
    certificates: size,
    leaves: plan.leaves.length,
    cas: CA_COUNT,
    ...summarizePlan(plan),
    bytes,
    now: BENCH_NOW.toISOString(),
    generationSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  writeFileSync(infoPath, `${JSON.stringify(info, null, 2)}\n`);
  log(`corpus ready: ${info.files} files, ${info.occurrences} occurrences, ${info.generationSeconds} s`);
  return info;
}
