import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Location } from "../model/inventory.js";
import { DAY, NOW, at, brief, cert, ctx, endpoint, inventory, record } from "../../test/support/facts.js";
import { servedCertStale } from "./served-cert-stale.js";

const EP = endpoint("10.0.0.1", 6443, { chain: ["endpoint:10.0.0.1:6443#0"] });
const SANS = { subject: "CN=kube-apiserver", dnsNames: ["kubernetes"], ipAddresses: ["10.0.0.1"] };
const old = (notAfter = NOW + 100 * DAY) => cert(record("old", { ...SANS, notBefore: notAfter - 365 * DAY, notAfter }), [at("endpoint:10.0.0.1:6443#0")], ["ca"]);
const stored = (fields: object, loc: Partial<Location> = {}) =>
  cert(record("new", { ...SANS, notBefore: NOW - 2 * DAY, notAfter: NOW + 363 * DAY, ...fields }), [at("file:/etc/kubernetes/pki/apiserver.crt", loc)], ["ca"]);

const rows = [
  { name: "a renewed copy on disk, the old one still served: warning", certs: [old(), stored({})], want: ["warning endpoint:10.0.0.1:6443 file:/etc/kubernetes/pki/apiserver.crt"] },
  { name: "... critical when the served one expires within --warn-days", certs: [old(NOW + 10 * DAY), stored({})], want: ["critical endpoint:10.0.0.1:6443 file:/etc/kubernetes/pki/apiserver.crt"] },
  { name: "the stored copy is older than the served one: silent", certs: [old(), stored({ notBefore: NOW - 300 * DAY })], want: [] },
  { name: "another identity (other names, no role) is not a renewal", certs: [old(), stored({ subject: "CN=other", dnsNames: ["other"] })], want: [] },
  {
    name: "the layout role for the port matches even with other SANs, when the name checked is covered",
    certs: [old(), stored({ subject: "CN=apiserver-2", dnsNames: ["kubernetes", "extra"], ipAddresses: ["10.0.0.1"] }, { role: "kubeadm-apiserver" })],
    want: ["warning endpoint:10.0.0.1:6443 file:/etc/kubernetes/pki/apiserver.crt"],
  },
  { name: "a newer CA is never the served leaf's renewal", certs: [old(), stored({ isCA: true })], want: [] },
  { name: "a stored copy only in a backup does not count", certs: [old(), stored({}, { backup: true })], want: [] },
];

describe("served-cert-stale", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(servedCertStale.check(inventory({ certs: row.certs, endpoints: [EP] }), ctx)), row.want));
});
