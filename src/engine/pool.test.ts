import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { defaultLimits, type ReadContext } from "../model/scan.js";
import { confineTo } from "../fs/confine.js";
import { ParseUnit } from "./parse-unit.js";
import { WorkerBackend } from "./pool.js";

describe("worker pool with the calling thread's unit", () => {
  let o: OpensslDir;
  let ctx: ReadContext;
  before(() => {
    o = makeOpensslDir("certdoctor-pool-");
    o.makeCa("ca", "/CN=pool CA");
    for (let i = 0; i < 8; i++) o.makeLeaf(`leaf-${i}`, "ca", `/CN=leaf ${i}`);
    ctx = { limits: defaultLimits, pkcs12Passwords: [], confine: confineTo([o.dir]) };
  });
  after(() => o.cleanup());

  it("parses on the calling thread once the worker has its queue full, and verifies each certificate where it was parsed", async () => {
    const backend = new WorkerBackend(ctx, 1, new ParseUnit(ctx));
    try {
      assert.equal(backend.units, 2);
      // Dispatched at once, as the engine does while the walk runs ahead: the worker takes three, the caller the rest.
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => backend.parse([{ path: o.path(`leaf-${i}.crt`), symlink: false }])));
      assert.deepEqual(
        replies.map((r) => r.unit),
        [0, 0, 0, 1, 1, 1, 1, 1],
      );
      const caSpki = (await backend.parse([{ path: o.path("ca.crt"), symlink: false }])).result.certs[0]!.spki!;
      const spkis = new Map([["ca", caSpki]]);
      for (const unit of [0, 1]) {
        const tasks = replies.filter((r) => r.unit === unit).map((r) => ({ child: r.result.certs[0]!.fingerprint, issuer: "ca" }));
        assert.deepEqual(await backend.verify(unit, tasks, spkis), tasks.map(() => true), `unit ${unit}`);
        // A certificate parsed on the other unit has no material here: not verified, never a false success.
        const other = replies.find((r) => r.unit !== unit)!.result.certs[0]!.fingerprint;
        assert.deepEqual(await backend.verify(unit, [{ child: other, issuer: "ca" }], spkis), [false]);
      }
    } finally {
      await backend.close();
    }
  });

  it("without a local unit every batch goes to a worker", async () => {
    const backend = new WorkerBackend(ctx, 1);
    try {
      const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => backend.parse([{ path: o.path(`leaf-${i}.crt`), symlink: false }])));
      assert.deepEqual(
        replies.map((r) => r.unit),
        [0, 0, 0, 0, 0],
      );
    } finally {
      await backend.close();
    }
  });
});
