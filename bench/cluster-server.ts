/**
 * Child process for the cluster bench: the in-repo test API server, seeded from a JSON-lines file of
 * objects, serving until stdin closes. Prints one JSON line {url} when ready and writes the kubeconfig.
 */
import { createReadStream, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startKubeApi } from "../test/kube-api/server.js";

async function main(): Promise<void> {
  const [seedFile, kubeconfigPath] = process.argv.slice(2);
  if (!seedFile || !kubeconfigPath) throw new Error("usage: cluster-server SEED.jsonl KUBECONFIG");
  const server = await startKubeApi({ historyLimit: 1000 });
  const lines = createInterface({ input: createReadStream(seedFile) });
  let n = 0;
  for await (const line of lines) {
    if (line.trim() === "") continue;
    server.store.put(JSON.parse(line) as Record<string, unknown>);
    n++;
  }
  writeFileSync(kubeconfigPath, server.kubeconfig());
  process.stdout.write(`${JSON.stringify({ url: server.url, objects: n })}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
  process.stdin.on("close", () => void server.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
