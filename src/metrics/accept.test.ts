import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptsGzip, negotiateFormat } from "./accept.js";

describe("negotiateFormat", () => {
  for (const row of [
    { name: "no header", accept: undefined, want: "text" },
    { name: "empty header", accept: "", want: "text" },
    {
      name: "Prometheus 2.42's default scrape header",
      accept: "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      want: "openmetrics",
    },
    { name: "Prometheus with OpenMetrics off (scrape_classic text only)", accept: "text/plain;version=0.0.4;q=1,*/*;q=0.1", want: "text" },
    { name: "openmetrics without a version", accept: "application/openmetrics-text", want: "openmetrics" },
    { name: "an OpenMetrics version this server does not write", accept: "application/openmetrics-text;version=2.0.0", want: "text" },
    { name: "text preferred by q-value", accept: "application/openmetrics-text;q=0.3,text/plain;q=0.9", want: "text" },
    { name: "openmetrics refused with q=0", accept: "application/openmetrics-text;q=0, */*", want: "text" },
    { name: "curl's */*", accept: "*/*", want: "text" },
    { name: "case and spaces", accept: " Application/OpenMetrics-Text ; Version=1.0.0 ; q=1.0 ", want: "openmetrics" },
    { name: "only an unsupported type", accept: "application/json", want: "text" },
    { name: "garbage", accept: ";;;,,,=\u0000q=abc", want: "text" },
    { name: "a malformed q-value counts as 0", accept: "application/openmetrics-text;q=2", want: "text" },
  ]) {
    it(`${row.name} -> ${row.want}`, () => assert.equal(negotiateFormat(row.accept), row.want));
  }

  it("reads a bounded part of a huge header", () => {
    const huge = `${"text/plain;q=0.1,".repeat(100_000)}application/openmetrics-text`;
    const t = performance.now();
    assert.equal(negotiateFormat(huge), "text");
    assert.ok(performance.now() - t < 200);
  });
});

describe("acceptsGzip", () => {
  for (const row of [
    { name: "Prometheus's header", header: "gzip", want: true },
    { name: "curl --compressed", header: "deflate, gzip, br, zstd", want: true },
    { name: "no header", header: undefined, want: false },
    { name: "identity only", header: "identity", want: false },
    { name: "gzip refused", header: "gzip;q=0, identity", want: false },
    { name: "any coding", header: "*", want: true },
    { name: "any coding but gzip", header: "*;q=1, gzip;q=0", want: false },
    { name: "x-gzip", header: "x-gzip", want: true },
    { name: "bad q-value", header: "gzip;q=7", want: false },
  ]) {
    it(`${row.name} -> ${row.want}`, () => assert.equal(acceptsGzip(row.header), row.want));
  }
});
