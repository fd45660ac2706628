/**
 * Child process that signs a slice of the corpus leaves. Forked by corpus.ts; receives the signing
 * material over IPC (never on argv, never on disk), re-derives the plan from (size, seed) and writes
 * the DERs length-prefixed to `outPath`.
 */
import { writeFile } from "node:fs/promises";
import { planCorpus } from "./corpus-plan.js";
import { prepareLeafSigner, signLeaf, type SigningMaterial } from "./corpus-sign.js";
import { packDers } from "./der-pack.js";

export interface WorkerRequest {
  material: SigningMaterial;
  size: number;
  seed: number;
  from: number;
  to: number;
  outPath: string;
}

export interface WorkerReply {
  ok: boolean;
  count: number;
  error?: string;
}

/** Requests in flight: lets webcrypto's thread-pool signing overlap with ASN.1 encoding. */
const IN_FLIGHT = 8;

async function signSlice(req: WorkerRequest): Promise<number> {
  const plan = planCorpus(req.size, req.seed);
  const signer = await prepareLeafSigner(req.material);
  const ders: Uint8Array[] = new Array(req.to - req.from);
  for (let i = req.from; i < req.to; i += IN_FLIGHT) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + IN_FLIGHT, req.to); j++) {
      batch.push(signLeaf(plan.leaves[j]!, signer).then((der) => void (ders[j - req.from] = der)));
    }
    await Promise.all(batch);
  }
  await writeFile(req.outPath, packDers(ders));
  return ders.length;
}

if (process.send) {
  process.once("message", (req: WorkerRequest) => {
    signSlice(req).then(
      (count) => process.send!({ ok: true, count } satisfies WorkerReply, () => process.exit(0)),
      (err: unknown) =>
        process.send!({ ok: false, count: 0, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply, () =>
          process.exit(1),
        ),
    );
  });
}
