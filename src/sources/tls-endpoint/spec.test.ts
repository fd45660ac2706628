import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { endpointAddress, parseEndpointSpec, parseEndpointsFile, serverNameOf, MAX_SPEC_CHARS } from "./spec.js";

describe("parseEndpointSpec", () => {
  const good = [
    { name: "host and port", spec: "api.example.com:6443", want: { host: "api.example.com", port: 6443 } },
    { name: "IPv4 with sni", spec: "10.0.0.1:10250,sni=node-1", want: { host: "10.0.0.1", port: 10250, sni: "node-1" } },
    { name: "IPv6 in brackets with ca", spec: "[::1]:443,ca=/etc/ca.crt", want: { host: "::1", port: 443, ca: "/etc/ca.crt" } },
    { name: "both options, spaces", spec: " h:1 , ca=/a , sni=b.c ", want: { host: "h", port: 1, ca: "/a", sni: "b.c" } },
    { name: "host is lower-cased", spec: "API.Example.COM:443", want: { host: "api.example.com", port: 443 } },
  ];
  for (const row of good) {
    it(`accepts: ${row.name}`, () => assert.deepEqual(parseEndpointSpec(row.spec), { ok: true, target: row.want }));
  }
  const bad = [
    { name: "empty", spec: "" },
    { name: "no port", spec: "example.com" },
    { name: "port zero", spec: "h:0" },
    { name: "port too big", spec: "h:65536" },
    { name: "unbracketed IPv6", spec: "::1:443" },
    { name: "unknown option", spec: "h:1,foo=bar" },
    { name: "option without value", spec: "h:1,ca=" },
    { name: "sni is an IP", spec: "h:1,sni=10.0.0.1" },
    { name: "sni twice", spec: "h:1,sni=a,sni=b" },
    { name: "bad host characters", spec: "ex ample:1" },
    { name: "too long", spec: `h:1,ca=${"a".repeat(MAX_SPEC_CHARS)}` },
  ];
  for (const row of bad) {
    it(`rejects: ${row.name}`, () => assert.equal(parseEndpointSpec(row.spec).ok, false));
  }

  it("property: total on any string, and accepted specs round-trip through their address", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseEndpointSpec(s);
        if (!r.ok) return typeof r.reason === "string";
        const again = parseEndpointSpec(endpointAddress(r.target));
        return again.ok && again.target.host === r.target.host && again.target.port === r.target.port && r.target.port >= 1 && r.target.port <= 65535;
      }),
      { numRuns: 2000 },
    );
  });

  it("property: generated valid specs parse to their parts", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), fc.option(label, { nil: undefined }), (labels, port, sni) => {
        const host = labels.join(".");
        const r = parseEndpointSpec(`${host}:${port}${sni === undefined ? "" : `,sni=${sni}`}`);
        assert.ok(r.ok);
        assert.deepEqual(r.target, { host, port, ...(sni === undefined ? {} : { sni }) });
      }),
    );
  });
});

describe("serverNameOf", () => {
  const rows = [
    { name: "DNS host is the server name", t: { host: "a.b", port: 1 }, want: "a.b" },
    { name: "IP host sends no SNI", t: { host: "10.0.0.1", port: 1 }, want: undefined },
    { name: "explicit sni wins", t: { host: "10.0.0.1", port: 1, sni: "node-1" }, want: "node-1" },
  ];
  for (const row of rows) it(row.name, () => assert.equal(serverNameOf(row.t), row.want));
});

describe("parseEndpointsFile", () => {
  it("skips comments and blanks, reports bad lines by number", () => {
    const r = parseEndpointsFile("# apiservers\n10.0.0.1:6443 # cp-1\n\n  bad line\n[::1]:10250,sni=n\r\n");
    assert.deepEqual(r.targets.map(endpointAddress), ["10.0.0.1:6443", "[::1]:10250"]);
    assert.deepEqual(r.errors.map((e) => e.line), [4]);
  });
});
