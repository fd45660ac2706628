/**
 * Spot-checks a generated corpus with the openssl CLI: for a few files of every kind, the leaf found
 * in the file has the planned serial and `openssl verify` accepts it against its chain.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { CorpusInfo } from "./corpus.js";
import { encodePem } from "./corpus-layout.js";
import { planCorpus, type FilePlan } from "./corpus-plan.js";

export interface SampleResult {
  checked: number;
  failures: string[];
}

interface SecretObject {
  data?: Record<string, string>;
  metadata?: { name?: string };
}

function readFirstPem(text: string): string {
  const end = text.indexOf("-----END CERTIFICATE-----");
  return text.slice(text.indexOf("-----BEGIN CERTIFICATE-----"), end + "-----END CERTIFICATE-----".length) + "\n";
}

/** Returns the first leaf of a file as PEM, with its leaf index. */
function extractLeaf(root: string, f: FilePlan): { pem: string; leaf: number } | undefined {
  const bytes = readFileSync(join(root, f.path));
  switch (f.kind) {
    case "ca":
      return undefined;
    case "single":
      return { pem: f.format === "der" ? encodePem("CERTIFICATE", bytes) : bytes.toString("utf8"), leaf: f.leaf };
    case "bundle":
      return { pem: readFirstPem(bytes.toString("utf8")), leaf: f.leaves[0]! };
    case "secret-yaml":
    case "secret-list": {
      const objects: SecretObject[] =
        f.kind === "secret-list"
          ? (JSON.parse(bytes.toString("utf8")) as { items: SecretObject[] }).items
          : parseAllDocuments(bytes.toString("utf8")).map((d) => d.toJS() as SecretObject);
      const first = objects[0]?.data?.["tls.crt"];
      if (!first) return undefined;
      return { pem: readFirstPem(Buffer.from(first, "base64").toString("utf8")), leaf: f.secrets[0]!.leaf };
    }
  }
}

/** Up to `perKind` files of each kind, spread over the whole list. */
function pickSample(files: FilePlan[], perKind: number): FilePlan[] {
  const byKind = new Map<string, FilePlan[]>();
  for (const f of files) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  const picked: FilePlan[] = [];
  for (const list of byKind.values()) {
    const step = Math.max(1, Math.floor(list.length / perKind));
    for (let n = 0; n < perKind && n * step < list.length; n++) picked.push(list[n * step]!);
  }
  return picked;
}

export function verifyCorpusSample(info: CorpusInfo, perKind = 3): SampleResult {
  const plan = planCorpus(info.certificates, info.seed);
  const scratch = mkdtempSync(join(tmpdir(), "certdoctor-bench-verify-"));
  const failures: string[] = [];
  let checked = 0;
  try {
    for (const f of pickSample(plan.files, perKind)) {
      const found = extractLeaf(info.dir, f);
      if (!found) continue;
      const spec = plan.leaves[found.leaf]!;
      const leafPath = join(scratch, "leaf.pem");
      const rootPath = join(scratch, "root.pem");
      const interPath = join(scratch, "inter.pem");
      writeFileSync(leafPath, found.pem);
      writeFileSync(rootPath, readFileSync(join(info.dir, "pki", `root-${spec.chain}.crt`)));
      writeFileSync(interPath, readFileSync(join(info.dir, "pki", `intermediate-${spec.chain}.crt`)));
      checked++;
      const serial = execFileSync("openssl", ["x509", "-in", leafPath, "-noout", "-serial"], { encoding: "utf8" }).trim();
      if (serial.toLowerCase() !== `serial=${spec.serialHex}`) failures.push(`${f.path}: ${serial}, planned ${spec.serialHex}`);
      try {
        // Dates are fixed around BENCH_NOW, so some leaves are expired today by design.
        execFileSync("openssl", ["verify", "-no_check_time", "-CAfile", rootPath, "-untrusted", interPath, leafPath], {
          stdio: "pipe",
        });
      } catch (err) {
        const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
        const out = `${stdout?.toString() ?? ""} ${stderr?.toString() ?? ""}`.replace(/\s+/g, " ").trim();
        failures.push(`${f.path}: openssl verify failed: ${out}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { checked, failures };
}
