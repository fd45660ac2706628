import { parentPort, workerData } from "node:worker_threads";
import type { ReadContext } from "../model/scan.js";
import { ParseUnit } from "./parse-unit.js";
import type { WorkerRequest, WorkerResponse } from "./pool.js";

const unit = new ParseUnit(workerData as ReadContext);

parentPort?.on("message", (msg: WorkerRequest) => {
  let reply: WorkerResponse;
  try {
    if (msg.op === "parse") reply = { id: msg.id, ok: true, parsed: unit.parseFiles(msg.entries) };
    else if (msg.op === "verify") reply = { id: msg.id, ok: true, verified: unit.verify(msg.tasks, new Map(msg.spkis)) };
    else {
      unit.release();
      reply = { id: msg.id, ok: true };
    }
  } catch (err) {
    reply = { id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
