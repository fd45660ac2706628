import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { parseExposition } from "../../test/support/exposition.js";
import { ExpositionWriter, escapeLabelValue, formatValue, renderLabelBlock } from "./text-format.js";

function text(w: ExpositionWriter): string {
  return Buffer.concat(w.finish().chunks).toString("utf8");
}

describe("exposition writer", () => {
  it("writes text 0.0.4: counters keep _total in TYPE, info is a gauge, no # EOF", () => {
    const w = new ExpositionWriter("text");
    w.family("a_total", "counter", "A counter.");
    w.sample('k="v"', 3);
    w.family("b_info", "info", "Build.");
    w.sample('version="1"', 1);
    w.family("c_seconds", "histogram", "H.");
    w.sample('le="1"', 2, "_bucket");
    w.sample('le="+Inf"', 2, "_bucket");
    w.sample("", 0.5, "_sum");
    w.sample("", 2, "_count");
    const out = text(w);
    assert.match(out, /^# HELP a_total A counter\.\n# TYPE a_total counter\na_total\{k="v"\} 3\n/);
    assert.match(out, /# TYPE b_info gauge\nb_info\{version="1"\} 1\n/);
    assert.doesNotMatch(out, /# EOF/);
    const parsed = parseExposition(out);
    assert.deepEqual([...parsed.families.keys()], ["a_total", "b_info", "c_seconds"]);
  });

  it("writes OpenMetrics: family names without _total/_info, typed info, # EOF last", () => {
    const w = new ExpositionWriter("openmetrics");
    w.family("a_total", "counter", "A counter.");
    w.sample("", 1);
    w.family("b_info", "info", "Build.");
    w.sample('version="1"', 1);
    const out = text(w);
    assert.match(out, /# TYPE a counter\na_total 1\n/);
    assert.match(out, /# TYPE b info\nb_info\{version="1"\} 1\n# EOF\n$/);
    assert.equal(parseExposition(out, "openmetrics").eof, true);
  });

  it("refuses a family twice, a counter without _total and a bad metric name", () => {
    const w = new ExpositionWriter("text");
    w.family("x", "gauge", "x");
    assert.throws(() => w.family("x", "gauge", "x"), /twice/);
    assert.throws(() => w.family("y", "counter", "y"), /_total/);
    assert.throws(() => w.family("9bad", "gauge", "x"), /invalid metric name/);
  });

  it("escapes backslash, quote and newline in label values, and newlines in HELP", () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    const w = new ExpositionWriter("text");
    w.family("x", "gauge", "line one\nline two \\ end");
    w.sample(renderLabelBlock(["v"], ['q"\\\n']), 1);
    const out = text(w);
    assert.match(out, /# HELP x line one\\nline two \\\\ end\n/);
    assert.deepEqual(parseExposition(out).samples[0]!.labels, { v: 'q"\\\n' });
  });

  it("leaves out empty values only when asked", () => {
    assert.equal(renderLabelBlock(["a", "b", "c"], ["1", "", "3"]), 'a="1",b="",c="3"');
    assert.equal(renderLabelBlock(["a", "b", "c"], ["1", "", "3"], true), 'a="1",c="3"');
  });

  it("formats values as both parsers read them", () => {
    assert.equal(formatValue(1798761600), "1798761600");
    assert.equal(formatValue(-0.5), "-0.5");
    assert.equal(formatValue(Infinity), "+Inf");
    assert.equal(formatValue(-Infinity), "-Inf");
    assert.equal(formatValue(NaN), "NaN");
  });

  it("round-trips any label value and any finite value through a strict reader (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: "grapheme", maxLength: 40 }), fc.double({ noNaN: true })), { minLength: 1, maxLength: 20 }), (rows) => {
        const w = new ExpositionWriter("text");
        w.family("p", "gauge", "p");
        rows.forEach(([v, n], i) => w.sample(renderLabelBlock(["i", "v"], [String(i), v]), n));
        const parsed = parseExposition(text(w));
        assert.equal(parsed.samples.length, rows.length);
        rows.forEach(([v, n], i) => {
          assert.equal(parsed.samples[i]!.labels.v, v);
          assert.ok(parsed.samples[i]!.value === n, `${n}`);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("splits large outputs into chunks whose concatenation is the whole exposition", () => {
    const w = new ExpositionWriter("text");
    w.family("big", "gauge", "b");
    for (let i = 0; i < 20_000; i++) w.sample(`i="${i}",pad="${"x".repeat(40)}"`, i);
    const { chunks, bytes, samples } = w.finish();
    assert.ok(chunks.length > 1);
    assert.equal(samples, 20_000);
    assert.equal(Buffer.concat(chunks).length, bytes);
    assert.equal(parseExposition(Buffer.concat(chunks).toString("utf8")).samples.length, 20_000);
  });

  it("with gzip, writes gzip members that inflate to the same exposition, and appends branches in order", () => {
    const write = (gzip: boolean) => {
      const w = new ExpositionWriter("openmetrics", gzip);
      w.family("first", "gauge", "f");
      for (let i = 0; i < 30_000; i++) w.sample(`i="${i}",pad="${"y".repeat(20)}"`, i);
      const b = w.branch();
      b.family("second_total", "counter", "s");
      b.sample('k="v"', 2);
      w.adopt(b);
      w.family("third_info", "info", "t");
      w.sample('k="é"', 1);
      return w.finish();
    };
    const plain = write(false);
    const zipped = write(true);
    assert.ok(zipped.chunks.length > 1);
    assert.equal(zipped.rawBytes, plain.bytes);
    assert.ok(zipped.bytes * 5 < plain.bytes);
    const text = gunzipSync(Buffer.concat(zipped.chunks)).toString("utf8");
    assert.equal(text, Buffer.concat(plain.chunks).toString("utf8"));
    const exp = parseExposition(text, "openmetrics");
    assert.deepEqual([...exp.families.keys()], ["first", "second", "third"]);
    assert.equal(zipped.samples, 30_002);
  });

  it("refuses a branch whose family was already written", () => {
    const w = new ExpositionWriter("text");
    w.family("a", "gauge", "a");
    const b = w.branch();
    b.family("a", "gauge", "a");
    assert.throws(() => w.adopt(b), /written twice/);
  });
});
