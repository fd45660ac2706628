import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { scan } from "../src/engine/scan.js";
import { deriveSourceStatuses } from "../src/metrics/source-status.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";

describe("a scan's key-derivation budget", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca", "/CN=budget-ca");
    for (const n of ["a", "b", "c"]) {
      o.makeLeaf(n, "ca", `/CN=${n}`);
      o.run("pkcs12", "-export", "-in", `${n}.crt`, "-inkey", `${n}.key`, "-out", `${n}.p12`, "-passout", "pass:pw", "-iter", "150000");
    }
    writeFileSync(o.path("passwords"), "pw\n");
    mkdirSync(o.path("over"));
    o.run("pkcs12", "-export", "-in", "a.crt", "-inkey", "a.key", "-out", "over/d.p12", "-passout", "pass:pw", "-iter", "250000");
  });
  after(() => o.cleanup());

  it("opens bundles until the budget is spent, then notes each one it did not open (parse-error, ERR_KDF_BUDGET)", async () => {
    // "" fails at the MAC (150,000) and pw opens one bundle for 450,000 more: 700,000 pay for one bundle only.
    const result = await scan({ paths: [o.path("a.p12"), o.path("b.p12"), o.path("c.p12")], now: new Date(), warnDays: 30, critDays: 7, workers: 0, pkcs12Passwords: ["pw"], limits: { maxKdfIterationsPerScan: 700_000 } });
    const fromBundles = result.certificates.filter((c) => c.locations.some((l) => l.ref.includes(".p12")));
    assert.equal(fromBundles.length, 1);
    const refused = result.issues.filter((i) => i.code === "ERR_KDF_BUDGET");
    assert.equal(refused.length, 2);
    assert.ok(refused.every((i) => i.material && /budget/.test(i.message)));
    assert.equal(result.findings.filter((f) => f.rule === "parse-error" && /ERR_KDF_BUDGET/.test(f.detail)).length, 2);
    const [status] = deriveSourceStatuses(result.issues, { paths: [o.dir], sourceKinds: [] });
    assert.deepEqual(Object.fromEntries(status!.errors), { parse_timeout: 2 }, "x509_source_errors_total{reason}");
  });

  it("a bundle over the iteration cap counts as parse_timeout in the source's errors (ERR_KDF_ITERATIONS)", async () => {
    const result = await scan({ paths: [o.path("over")], now: new Date(), warnDays: 30, critDays: 7, workers: 0, pkcs12Passwords: ["pw"] });
    assert.deepEqual(result.issues.map((i) => i.code), ["ERR_KDF_ITERATIONS"]);
    const [status] = deriveSourceStatuses(result.issues, { paths: [o.path("over")], sourceKinds: [] });
    assert.deepEqual(Object.fromEntries(status!.errors), { parse_timeout: 1 });
  });
});
