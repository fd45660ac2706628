/**
 * `npm run bench -- --cluster`: a full scan of 20,000 Secrets across 200 namespaces (10,000 holding a
 * distinct certificate from the 10k bench corpus, 10,000 opaque), plus 50 Helm release Secrets the
 * field selector must skip, served by the in-repo test API server over real HTTPS in its own process.
 * The scan runs in a fresh process; reports wall time and that process's peak RSS.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClusterScanReport } from "./cluster-scan.js";
import { ensureCorpus } from "./corpus.js";

const HERE = dirname(fileURLToPath(import.meta.url));

export interface ClusterBenchOptions {
  secrets: number;
  withCerts: number;
  namespaces: number;
  runs: number;
  log: (line: string) => void;
}

export interface ClusterBenchResult {
  options: Omit<ClusterBenchOptions, "log">;
  runs: ClusterScanReport[];
  median: ClusterScanReport;
}

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Distinct certificate PEMs from the bench corpus tree (PEM files and .der files). */
function collectCertificates(dir: string, want: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0 && out.length < want) {
    const d = stack.pop()!;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        stack.push(p);
        continue;
      }
      const blocks: string[] = [];
      if (name.endsWith(".der")) {
        const b64 = readFileSync(p).toString("base64").replace(/.{1,64}/g, "$&\n");
        blocks.push(`-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----`);
      } else if (/\.(ya?ml|json)$/.test(name)) {
        // Secret manifests: base64 values holding PEM or DER certificates
        for (const v of readFileSync(p, "latin1").match(/[A-Za-z0-9+/=]{400,}/g) ?? []) {
          const bytes = Buffer.from(v, "base64");
          const text = bytes.toString("latin1");
          if (text.startsWith("-----BEGIN")) blocks.push(...(text.match(PEM_RE) ?? []));
          else if (bytes[0] === 0x30 && bytes[1] === 0x82 && !text.includes("PRIVATE")) blocks.push(`-----BEGIN CERTIFICATE-----\n${bytes.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----`);
        }
      } else if (!/\.(p12|pfx|key)$/.test(name)) {
        blocks.push(...(readFileSync(p, "latin1").match(PEM_RE) ?? []));
      }
      for (const b of blocks) {
        const h = createHash("sha256").update(b.replace(/\s/g, "")).digest("hex");
        if (seen.has(h)) continue;
        seen.add(h);
        out.push(`${b}\n`);
        if (out.length >= want) break;
      }
    }
  }
  return out;
}

function writeSeed(path: string, certs: string[], o: ClusterBenchOptions): void {
  const lines: string[] = [];
  for (let i = 0; i < o.secrets; i++) {
    const ns = `ns-${i % o.namespaces}`;
    const withCert = i < o.withCerts * 2 && i % 2 === 0 && certs.length > 0;
    const data = withCert ? { "tls.crt": Buffer.from(certs[(i / 2) % certs.length]!).toString("base64") } : { username: Buffer.from(`user-${i}`).toString("base64"), password: Buffer.from(`pw-${i}`).toString("base64") };
    lines.push(JSON.stringify({ apiVersion: "v1", kind: "Secret", type: withCert ? "kubernetes.io/tls" : "Opaque", metadata: { name: `s-${i}`, namespace: ns }, data }));
  }
  const release = Buffer.alloc(256 * 1024, "H").toString("base64");
  for (let i = 0; i < 50; i++) lines.push(JSON.stringify({ apiVersion: "v1", kind: "Secret", type: "helm.sh/release.v1", metadata: { name: `sh.helm.release.v1.app-${i}.v1`, namespace: "ns-0" }, data: { release } }));
  writeFileSync(path, `${lines.join("\n")}\n`);
}

function startServer(seed: string, kubeconfig: string): Promise<{ stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(HERE, "cluster-server.js"), seed, kubeconfig], { stdio: ["pipe", "pipe", "inherit"] });
    let buf = "";
    child.stdout.on("data", (c: Buffer) => {
      buf += c.toString();
      if (buf.includes("\n")) resolve({ stop: () => child.stdin.end() });
    });
    child.once("exit", (code) => reject(new Error(`cluster-server exited ${code}`)));
  });
}

export async function runClusterBench(o: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const corpus = await ensureCorpus(10_000, { log: o.log });
  const certs = collectCertificates(corpus.dir, o.withCerts);
  if (certs.length < o.withCerts) o.log(`only ${certs.length} distinct certificates in the corpus; certificates repeat`);
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-cluster-bench-"));
  try {
    const seed = join(dir, "seed.jsonl");
    const kubeconfig = join(dir, "kubeconfig");
    writeSeed(seed, certs, o);
    o.log(`starting the test API server with ${o.secrets} Secrets (+50 Helm releases) in ${o.namespaces} namespaces`);
    const server = await startServer(seed, kubeconfig);
    const runs: ClusterScanReport[] = [];
    try {
      for (let r = 0; r < o.runs; r++) {
        const out = spawnSync(process.execPath, [join(HERE, "cluster-scan.js"), kubeconfig, corpus.now], { encoding: "utf8", maxBuffer: 1 << 20 });
        if (out.status !== 0) throw new Error(`cluster scan failed: ${out.stderr.trim().split("\n").slice(-3).join(" | ")}`);
        const report = JSON.parse(out.stdout) as ClusterScanReport;
        o.log(`run ${r + 1}: ${report.seconds.toFixed(2)} s, peak RSS ${report.maxRssMiB.toFixed(0)} MiB, ${report.certificates} certificates`);
        runs.push(report);
      }
    } finally {
      server.stop();
    }
    const median = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)]!;
    const { log: _log, ...options } = o;
    return { options, runs, median };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderClusterResult(r: ClusterBenchResult): string {
  const m = r.median;
  return [
    `## Cluster scan (test API server over HTTPS)`,
    ``,
    `${r.options.secrets.toLocaleString("en")} Secrets in ${r.options.namespaces} namespaces (${r.options.withCerts.toLocaleString("en")} with a distinct certificate) + 50 Helm release Secrets skipped by field selector; pages of 500; median of ${r.runs.length} run(s), each in a fresh process; the API server runs in its own process.`,
    ``,
    `| wall time | peak RSS (scan process) | certificates | retries |`,
    `| --- | --- | --- | --- |`,
    `| ${m.seconds.toFixed(2)} s | ${m.maxRssMiB.toFixed(0)} MiB | ${m.certificates.toLocaleString("en")} | ${m.retries} |`,
    ``,
  ].join("\n");
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  runClusterBench({ secrets: 20_000, withCerts: 10_000, namespaces: 200, runs: 3, log: (l) => process.stderr.write(`[bench] ${l}\n`) }).then(
    (r) => process.stdout.write(renderClusterResult(r)),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
