import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EndpointPki, scanWithEndpoints } from "../support/endpoint-pki.js";
import { startTlsServer, type LoopbackServer } from "../support/tls-servers.js";
import { findingsOf } from "../support/scan.js";
import { nameMatches } from "../../src/rules/support/endpoint.js";

describe("nameMatches (RFC 6125)", () => {
  const rows = [
    { name: "exact DNS", dns: ["api.example.com"], ip: [], host: "api.example.com", want: true },
    { name: "case-insensitive", dns: ["API.Example.com"], ip: [], host: "api.EXAMPLE.com", want: true },
    { name: "trailing dot", dns: ["api.example.com"], ip: [], host: "api.example.com.", want: true },
    { name: "wildcard one label", dns: ["*.example.com"], ip: [], host: "a.example.com", want: true },
    { name: "wildcard not two labels", dns: ["*.example.com"], ip: [], host: "a.b.example.com", want: false },
    { name: "wildcard not the parent", dns: ["*.example.com"], ip: [], host: "example.com", want: false },
    { name: "partial wildcard rejected", dns: ["a*.example.com"], ip: [], host: "ab.example.com", want: false },
    { name: "wildcard on a public suffix-like two-label name rejected", dns: ["*.com"], ip: [], host: "example.com", want: false },
    { name: "IP host against IP SAN", dns: [], ip: ["10.0.0.1"], host: "10.0.0.1", want: true },
    { name: "IP host never against DNS SAN", dns: ["10.0.0.1"], ip: [], host: "10.0.0.1", want: false },
    { name: "IPv6 compressed forms", dns: [], ip: ["2001:db8::1"], host: "2001:DB8:0:0:0:0:0:1", want: true },
    { name: "wildcard never matches an IP", dns: ["*.0.0.1"], ip: [], host: "10.0.0.1", want: false },
  ];
  for (const row of rows) it(row.name, () => assert.equal(nameMatches({ dnsNames: row.dns, ipAddresses: row.ip }, row.host), row.want));
});

describe("hostname-mismatch against real TLS servers", () => {
  const pki = new EndpointPki();
  const servers: LoopbackServer[] = [];
  before(() => {
    pki.ca("ca", "/CN=hostname-test-ca");
    pki.leaf("named", "ca", "/CN=api", "DNS:api.example.test,IP:127.0.0.1");
    pki.leaf("wild", "ca", "/CN=wild", "DNS:*.apps.example.test");
    pki.leaf("noip", "ca", "/CN=noip", "DNS:localhost");
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });
  const rows = [
    { name: "SNI covered by a DNS SAN", cert: "named", sni: "api.example.test", want: [] },
    { name: "SNI not covered", cert: "named", sni: "other.example.test", want: ["critical"] },
    { name: "wildcard covers one label", cert: "wild", sni: "a.apps.example.test", want: [] },
    { name: "wildcard does not cover two labels", cert: "wild", sni: "a.b.apps.example.test", want: ["critical"] },
    { name: "bare IP covered by an IP SAN", cert: "named", sni: undefined, want: [] },
    { name: "bare IP without an IP SAN: warning", cert: "noip", sni: undefined, want: ["warning"] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const server = await startTlsServer({ key: pki.read(`${row.cert}.key`), cert: pki.read(`${row.cert}.crt`) });
      servers.push(server);
      const result = await scanWithEndpoints([], [{ host: server.host, port: server.port, ...(row.sni ? { sni: row.sni } : {}) }]);
      const found = findingsOf(result, "hostname-mismatch");
      assert.deepEqual(found.map((f) => f.severity), row.want);
      for (const f of found) assert.deepEqual(f.locations, [`endpoint:127.0.0.1:${server.port}`]);
    });
  }
});
