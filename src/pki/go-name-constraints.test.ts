/**
 * Go's constraint-comparison bound (isValid's comparisonCount against MaxConstraintComparisions, 250000):
 * past it Go gives up with TooManyConstraints, which prints as "x509: unknown error" (checked against Go
 * 1.19 on x509-limbo's pathological::nc-dos cases by bench/limbo-agreement.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NameConstraints } from "../model/cert.js";
import { goCheckNameConstraints } from "./go-name-constraints.js";

const none: NameConstraints = {
  permittedDns: [], excludedDns: [], permittedIp: [], excludedIp: [],
  permittedEmail: [], excludedEmail: [], permittedUri: [], excludedUri: [],
};
const leaf = (dnsNames: string[]) => ({ dnsNames, ipAddresses: [], emailAddresses: [], uris: [], hasSan: true as const });
const excluded = (n: number) => Array.from({ length: n }, (_, i) => `x${i}.example.com`);

describe("goCheckNameConstraints comparison bound", () => {
  const rows = [
    { name: "250000 comparisons are still checked", nc: { ...none, excludedDns: excluded(125_000) }, names: ["a.test", "b.test"], want: undefined },
    { name: "one more and Go gives up", nc: { ...none, excludedDns: excluded(125_000) }, names: ["a.test", "b.test", "c.test"], want: "x509: unknown error" },
    { name: "permitted subtrees count too", nc: { ...none, permittedDns: [...excluded(250_000), "test"] }, names: ["a.test", "b.test"], want: "x509: unknown error" },
  ];
  for (const row of rows) {
    it(row.name, () => assert.equal(goCheckNameConstraints(row.nc, [leaf(row.names)]), row.want));
  }
});
