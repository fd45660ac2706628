import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CsrInfo } from "../model/cert.js";
import type { KubeCsrItem } from "../model/items.js";
import { at, cert, csrInfo, ctx, inventory, kubeCsr, object, record } from "../../test/support/facts.js";
import { csrApprovedUnchecked } from "./csr-approved-unchecked.js";

const nodes = [object("Node", "node:worker-1", { addresses: ["10.0.0.1", "worker-1"] }), object("Node", "node:worker-2", { addresses: ["10.0.0.2"] })];
const approved = (request: Partial<CsrInfo>, more: Partial<KubeCsrItem> = {}, reason = "AutoApproved") =>
  kubeCsr("csr-1", { request: csrInfo({ dnsNames: ["worker-1"], ipAddresses: ["10.0.0.1"], ...request }), conditions: [{ type: "Approved", status: "True", reason }], ...more });
const verdict = (csr: KubeCsrItem, objects = nodes) => csrApprovedUnchecked.check(inventory({ kubeCsrs: [csr], objects }), ctx).map((f) => `${f.severity} ${f.title.replace(/^CSR csr-1 from node worker-1 was approved although it fails /, "")}`);

const rows = [
  { name: "a request certdoctor would approve: silent", csr: approved({}), objects: nodes, want: [] },
  { name: "another node's IP: critical SANMismatch", csr: approved({ ipAddresses: ["10.0.0.1", "10.0.0.2"] }), objects: nodes, want: ["critical SANMismatch"] },
  { name: "client usages on a serving CSR: critical UsageMismatch", csr: approved({}, { usages: ["digital signature", "client auth"] }), objects: nodes, want: ["critical UsageMismatch"] },
  { name: "a weak key only weakens: warning KeyTooWeak", csr: approved({ keyType: "RSA", keySize: 1024, curve: undefined }, { usages: ["digital signature", "key encipherment", "server auth"] }), objects: nodes, want: ["warning KeyTooWeak"] },
  { name: "Nodes not read: the names are not compared", csr: approved({ ipAddresses: ["10.0.0.2"] }), objects: [], want: [] },
  { name: "a pending CSR is csr-pending's", csr: approved({ ipAddresses: ["10.0.0.2"] }, { conditions: [] }), objects: nodes, want: [] },
  { name: "other signers are not checked", csr: approved({ ipAddresses: ["10.0.0.2"] }, { signerName: "example.com/custom" }), objects: nodes, want: [] },
  // An approval claiming to be certdoctor's is checked only for what certdoctor refuses under every config.
  { name: "'CertdoctorApproved' with foreign SANs passes (allow-lists are unknown)", csr: approved({ ipAddresses: ["10.0.0.2"] }, {}, "CertdoctorApproved"), objects: nodes, want: [] },
  { name: "'CertdoctorApproved' on an in-cluster name is forged", csr: approved({ dnsNames: ["kubernetes.default.svc"] }, {}, "CertdoctorApproved"), objects: nodes, want: ["critical SANInCluster"] },
];

describe("csr-approved-unchecked", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(verdict(row.csr, row.objects), row.want));

  it("an issued CSR names its certificate from status.certificate, not another CSR's", () => {
    const issued = cert(record("issued"), [at("csr:csr-1#status.certificate")]);
    const other = cert(record("other"), [at("csr:csr-10#status.certificate")]);
    const [f] = csrApprovedUnchecked.check(inventory({ kubeCsrs: [approved({ ipAddresses: ["10.0.0.2"] }, { issued: true })], objects: nodes, certs: [issued, other] }), ctx);
    assert.deepEqual(f!.certificates, ["issued"]);
    assert.match(f!.detail, /It was issued/);
  });
});
