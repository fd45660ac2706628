import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { backoffDelay, defaultBackoff, parseRetryAfter, TokenBucket } from "./throttle.js";

describe("throttle", () => {
  it("token bucket: a burst goes at once, then requests are spaced at 1/qps", async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket(10, 3, () => now, async (ms) => {
      waits.push(ms);
      now += ms;
    });
    for (let i = 0; i < 6; i++) await bucket.take();
    assert.deepEqual(waits, [100, 100, 100]);
    assert.equal(now, 300);
  });

  it("backoff grows exponentially, stays within [step/2, step] and never exceeds the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, defaultBackoff, () => r);
        const step = Math.min(defaultBackoff.capMs, defaultBackoff.baseMs * 2 ** attempt);
        assert.ok(d >= Math.floor(step / 2) && d <= step, `${attempt}: ${d}`);
      }),
    );
    assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, defaultBackoff, () => 0)), [125, 250, 500, 1000]);
  });

  const retryRows = [
    { name: "seconds", value: "3", want: 3000 },
    { name: "HTTP date 10 s ahead", value: new Date(1_000_000 + 10_000).toUTCString(), want: 10_000 },
    { name: "absent", value: undefined, want: undefined },
    { name: "garbage", value: "soon", want: undefined },
  ];
  for (const row of retryRows) {
    it(`Retry-After: ${row.name}`, () => assert.equal(parseRetryAfter(row.value, 1_000_000), row.want));
  }
});
