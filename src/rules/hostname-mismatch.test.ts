import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointItem } from "../model/items.js";
import { at, brief, cert, ctx, endpoint, inventory, record } from "../../test/support/facts.js";
import { hostnameMismatch } from "./hostname-mismatch.js";

/** An endpoint presenting one leaf with these SANs. */
function served(host: string, sans: { dnsNames?: string[]; ipAddresses?: string[] }, more: Partial<EndpointItem> = {}) {
  const ep = endpoint(host, 443, more);
  const leaf = cert(record(`leaf-${host}`, { dnsNames: [], ipAddresses: [], ...sans }), [at(`${ep.ref}#0`)], ["ca"]);
  return inventory({ certs: [leaf], endpoints: [{ ...ep, chain: [`${ep.ref}#0`] }] });
}

const rows = [
  { name: "DNS SAN matches", inv: served("api.example.com", { dnsNames: ["api.example.com"] }), want: [] },
  { name: "wildcard covers one label", inv: served("api.example.com", { dnsNames: ["*.example.com"] }), want: [] },
  { name: "wildcard does not cover two labels", inv: served("a.b.example.com", { dnsNames: ["*.example.com"] }), want: ["critical endpoint:a.b.example.com:443"] },
  { name: "the name is missing: critical", inv: served("api.example.com", { dnsNames: ["other.example.com"] }), want: ["critical endpoint:api.example.com:443"] },
  { name: "IP SAN matches an IP host", inv: served("10.0.0.1", { ipAddresses: ["10.0.0.1"] }), want: [] },
  { name: "reached by bare IP without SNI and no IP SAN: only a warning", inv: served("10.0.0.1", { dnsNames: ["api"] }), want: ["warning endpoint:10.0.0.1:443"] },
  { name: "SNI is the name checked", inv: served("10.0.0.1", { dnsNames: ["api.example.com"] }, { sni: "api.example.com" }), want: [] },
  { name: "a wrong SNI is critical even on an IP", inv: served("10.0.0.1", { ipAddresses: ["10.0.0.1"] }, { sni: "api.example.com" }), want: ["critical endpoint:10.0.0.1:443"] },
  { name: "an endpoint that presented nothing is not checked", inv: inventory({ endpoints: [endpoint("api", 443)] }), want: [] },
];

describe("hostname-mismatch", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(hostnameMismatch.check(row.inv, ctx)), row.want));

  it("quotes Go's error naming what the certificate covers", () => {
    const [f] = hostnameMismatch.check(served("api.example.com", { dnsNames: ["other.example.com"] }), ctx);
    assert.equal(f!.goError, "x509: certificate is valid for other.example.com, not api.example.com");
    assert.match(f!.remediation, /DNS:api\.example\.com/);
  });
});
