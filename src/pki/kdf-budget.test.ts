import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { createKdfBudget, kdfLeft, spendKdf } from "./kdf-budget.js";

describe("kdf budget", () => {
  it("is one budget for the scan's parse workers: what a worker spends is gone for everyone", async () => {
    const budget = createKdfBudget(1_000);
    const worker = new Worker(`const { workerData, parentPort } = require("node:worker_threads"); Atomics.sub(workerData, 0, 600); parentPort.postMessage("spent");`, { eval: true, workerData: budget });
    await new Promise((resolve) => worker.once("message", resolve));
    await worker.terminate();
    assert.equal(kdfLeft(budget), 400);
    assert.equal(spendKdf(budget, 401), false);
    assert.equal(spendKdf(budget, 400), true);
    assert.equal(kdfLeft(budget), 0);
  });
});
