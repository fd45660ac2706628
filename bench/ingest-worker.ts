/**
 * The benchmark's agents, in a worker thread so that building and sending reports does not share the
 * server's event loop (as real agents on other machines do not): posts every node's report with
 * `concurrency` requests in flight and answers with the wall time and the changes the server recorded.
 */
import { parentPort, workerData } from "node:worker_threads";
import { agentReport, reportPoster } from "../test/support/fleet-report.js";

export interface IngestJob {
  url: string;
  nodes: number;
  certs: number;
  sequence: number;
  concurrency: number;
}

export interface IngestDone {
  seconds: number;
  changes: number;
  refused: string[];
}

const job = workerData as IngestJob;
const poster = reportPoster(job.url, job.concurrency);
const started = performance.now();
let next = 0;
let changes = 0;
const refused: string[] = [];
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (next < job.nodes) {
      const node = next++;
      const r = await poster.post(node, job.sequence, agentReport(node, job.certs, job.sequence));
      if (r.status !== 201) refused.push(`node ${node}: ${r.status}`);
      changes += r.changes;
    }
  }),
);
poster.close();
parentPort!.postMessage({ seconds: (performance.now() - started) / 1000, changes, refused } satisfies IngestDone);
