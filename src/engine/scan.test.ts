import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ErrorCode } from "../errors.js";
import type { RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import type { Source } from "../model/scan.js";
import { fixtureNow, fixturePath } from "../../test/support/fixtures.js";
import { scan } from "./scan.js";

/** A source that yields fixed items, as the Kubernetes API source does. */
function staticSource(items: Array<RawItem | ScanIssue>): Source {
  return {
    kind: "static",
    async *discover() {
      yield* items;
    },
  };
}

const leafDer = () => new Uint8Array(readFileSync(fixturePath("chain-ok", "leaf.der")));

describe("scan with extra sources", () => {
  for (const workers of [0, 2]) {
    it(`verifies a source's certificate against a CA found in files (workers: ${workers})`, async () => {
      const source = staticSource([
        { type: "cert", ref: "secret:apps/web#tls.crt", context: "secret:apps/web", der: leafDer() },
        { code: ErrorCode.ERR_BASE64_INVALID, ref: "secret:apps/broken#tls.crt", message: "not base64", material: true },
      ]);
      const result = await scan({
        paths: [fixturePath("chain-ok", "intermediate-ca.crt"), fixturePath("chain-ok", "root-ca.crt")],
        sources: [source],
        now: fixtureNow,
        warnDays: 30,
        critDays: 7,
        workers,
      });
      const leaf = result.certificates.find((c) => c.locations.some((l) => l.ref === "secret:apps/web#tls.crt"));
      assert.ok(leaf, "leaf from the source is in the inventory");
      assert.equal(leaf.issuers.length, 1);
      const issuer = result.certificates.find((c) => c.record.fingerprint === leaf.issuers[0]);
      assert.ok(issuer?.locations.some((l) => l.ref.endsWith("intermediate-ca.crt")));
      assert.deepEqual(result.findings.filter((f) => f.rule === "parse-error").map((f) => f.locations), [["secret:apps/broken#tls.crt"]]);
    });
  }

  it("the same certificate from a file and a source is one inventory entry with both locations", async () => {
    const result = await scan({
      paths: [fixturePath("chain-ok", "leaf.der")],
      sources: [staticSource([{ type: "cert", ref: "secret:apps/web#tls.crt", context: "secret:apps/web", der: leafDer() }])],
      now: fixtureNow,
      warnDays: 30,
      critDays: 7,
      workers: 0,
    });
    assert.equal(result.certificates.length, 1);
    assert.deepEqual(result.certificates[0]!.locations.map((l) => l.ref).sort(), ["file:" + fixturePath("chain-ok", "leaf.der"), "secret:apps/web#tls.crt"].sort());
  });
});
