import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { jsonReportChunks } from "../output/json.js";
import { scan } from "./scan.js";

/** Past the engine's worker threshold (1,000 files), so the default pool and the calling thread both parse. */
const FILES = 1_300;
const NOW = new Date(Date.now() + 86_400_000);

describe("report order with parse workers", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-parse-order-");
    o.makeCa("ca", "/CN=order CA");
    for (let i = 0; i < 3; i++) o.makeLeaf(`leaf-${i}`, "ca", `/CN=leaf ${i}`);
    const ca = o.readText("ca.crt");
    const key = o.readText("ca.key");
    for (let f = 0; f < FILES; f++) {
      const dir = o.path(`tree/d${Math.floor(f / 100)}`);
      mkdirSync(dir, { recursive: true });
      // Every file holds the CA (one location per file); every 50th a private key too (the keys list).
      writeFileSync(join(dir, `bundle-${f}.pem`), o.readText(`leaf-${f % 3}.crt`) + ca + (f % 50 === 0 ? key : ""));
    }
  });
  after(() => o.cleanup());

  it("is the same with the default pool, two workers and the main thread alone", async () => {
    const report = async (workers?: number) => {
      const result = await scan({ paths: [o.path("tree")], now: NOW, warnDays: 30, critDays: 7, ...(workers === undefined ? {} : { workers }) });
      return [...jsonReportChunks(result)].join("");
    };
    const single = await report(0);
    const parsed = JSON.parse(single) as { certificates: Array<{ locations: string[] }>; keys: unknown[] };
    assert.equal(Math.max(...parsed.certificates.map((c) => c.locations.length)), FILES);
    assert.equal(parsed.keys.length, FILES / 50);
    assert.equal(await report(), single, "default pool");
    assert.equal(await report(2), single, "two workers");
  });
});
