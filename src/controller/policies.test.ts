import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NodeCsrMaker, type NodeCsrSpec } from "../../test/support/node-csr.js";
import { parseCsr } from "../pki/csr.js";
import { canonicalIp, cidrContains, parseCidr, parseIp } from "./ip.js";
import { DEFAULT_APPROVAL_CONFIG, evaluateCsr, type ApprovalConfig, type CsrFacts, type NodeFacts, type Reason } from "./policies.js";

const W1: NodeFacts = { name: "w1", addresses: [{ type: "Hostname", address: "w1" }, { type: "InternalIP", address: "10.0.0.11" }, { type: "InternalDNS", address: "w1.nodes.example.com" }, { type: "ExternalIP", address: "2001:db8::11" }] };
const W2: NodeFacts = { name: "w2", addresses: [{ type: "Hostname", address: "w2" }, { type: "InternalIP", address: "10.0.0.12" }] };
const CONFIG: ApprovalConfig = { ...DEFAULT_APPROVAL_CONFIG, serviceCidrs: [parseCidr("10.96.0.0/12")!] };

interface Row {
  name: string;
  csr?: NodeCsrSpec;
  node?: string;
  facts?: Partial<CsrFacts>;
  nodes?: NodeFacts[];
  config?: Partial<ApprovalConfig>;
  want: Reason | "Approved";
  retry?: boolean;
}

const OK_SAN = "DNS:w1,IP:10.0.0.11";

const rows: Row[] = [
  { name: "a node asking for its hostname and InternalIP is approved", csr: { san: OK_SAN }, want: "Approved" },
  { name: "every address type counts: InternalDNS and an IPv6 ExternalIP", csr: { san: "DNS:w1.nodes.example.com,IP:2001:db8:0:0::11" }, want: "Approved" },
  { name: "an IPv4-mapped IPv6 SAN of the node's InternalIP is the same address", csr: { san: "DNS:w1,IP:::ffff:10.0.0.11" }, want: "Approved" },
  { name: "DNS names compare case-insensitively", csr: { san: "DNS:W1" }, want: "Approved" },
  { name: "an RSA-2048 request may also ask for key encipherment", csr: { san: OK_SAN, key: "rsa" }, facts: { usages: ["digital signature", "key encipherment", "server auth"] }, want: "Approved" },
  { name: "an Ed25519 request is approved", csr: { san: OK_SAN, key: "ed25519" }, want: "Approved" },
  { name: "subject attributes in either order", csr: { san: OK_SAN, subject: "/CN=system:node:w1/O=system:nodes" }, want: "Approved" },
  { name: "an expirationSeconds within the maximum is approved", csr: { san: OK_SAN }, facts: { expirationSeconds: 86400 }, want: "Approved" },
  { name: "an allow-listed DNS name with {node} is approved", csr: { san: "DNS:w1.lb.example.org" }, config: { allowedDnsNames: ["{node}\\.lb\\.example\\.org"] }, want: "Approved" },
  { name: "an allow-listed IP range is approved", csr: { san: "DNS:w1,IP:192.168.50.7" }, config: { allowedIpCidrs: [parseCidr("192.168.50.0/24")!] }, want: "Approved" },

  { name: "another signer is not this policy's business", csr: { san: OK_SAN }, facts: { signerName: "kubernetes.io/kube-apiserver-client" }, want: "SignerMismatch" },
  { name: "a requester that is not a node is refused", csr: { san: OK_SAN }, facts: { username: "system:serviceaccount:kube-system:default" }, want: "RequesterNotNode" },
  { name: "a node user name that is no valid Node name is refused", csr: { san: OK_SAN }, facts: { username: "system:node:W1_bad" }, want: "RequesterNotNode" },
  { name: "a node user outside system:nodes is refused (the name alone proves nothing)", csr: { san: OK_SAN }, facts: { groups: ["system:authenticated"] }, want: "NodeGroupMissing" },
  { name: "a request that does not parse is refused", facts: { request: { error: "not a PKCS#10 CertificationRequest" } }, want: "RequestInvalid" },
  { name: "a request whose signature does not verify is refused", csr: { san: OK_SAN, breakSignature: true }, want: "SignatureInvalid" },
  { name: "a subject CN of another node is refused", csr: { san: OK_SAN, subject: "/O=system:nodes/CN=system:node:w2" }, want: "SubjectMismatch" },
  { name: "a subject without O=system:nodes is refused", csr: { san: OK_SAN, subject: "/CN=system:node:w1" }, want: "SubjectMismatch" },
  { name: "a subject with an extra attribute is refused", csr: { san: OK_SAN, subject: "/O=system:nodes/OU=x/CN=system:node:w1" }, want: "SubjectMismatch" },
  { name: "a subject with system:masters is refused", csr: { san: OK_SAN, subject: "/O=system:masters/CN=system:node:w1" }, want: "SubjectMismatch" },
  { name: "a client auth usage smuggled in is refused", csr: { san: OK_SAN }, facts: { usages: ["digital signature", "server auth", "client auth"] }, want: "UsageMismatch" },
  { name: "key encipherment on an EC key is refused", csr: { san: OK_SAN }, facts: { usages: ["digital signature", "key encipherment", "server auth"] }, want: "UsageMismatch" },
  { name: "a request without server auth is refused", csr: { san: OK_SAN }, facts: { usages: ["digital signature"] }, want: "UsageMismatch" },
  { name: "an RSA-1024 key is refused", csr: { san: OK_SAN, key: "rsa-1024" }, want: "KeyTooWeak" },
  { name: "an EC key on secp256k1 is refused", csr: { san: OK_SAN, key: "secp256k1" }, want: "KeyTooWeak" },
  { name: "an EC P-521 key is refused unless configured", csr: { san: OK_SAN, key: "p521" }, want: "KeyTooWeak" },
  { name: "an expirationSeconds above the maximum is refused", csr: { san: OK_SAN }, facts: { expirationSeconds: 10 * 365 * 86400 }, want: "ExpirationTooLong" },
  { name: "a node that is not registered yet is retried, not approved", csr: { san: OK_SAN }, nodes: [W2], want: "NodeNotFound", retry: true },
  { name: "a request without SANs is refused", csr: {}, want: "SANMissing" },
  { name: "an email SAN is refused", csr: { san: `${OK_SAN},email:root@w1` }, want: "SANTypeForbidden" },
  { name: "a URI SAN is refused", csr: { san: `${OK_SAN},URI:spiffe://cluster/ns/x` }, want: "SANTypeForbidden" },
  { name: "kubernetes.default.svc is refused", csr: { san: `${OK_SAN},DNS:kubernetes.default.svc` }, want: "SANInCluster" },
  { name: "a *.svc.cluster.local name is refused", csr: { san: `${OK_SAN},DNS:metrics.kube-system.svc.cluster.local` }, want: "SANInCluster" },
  { name: "in-cluster names are refused even when the Node lists them", csr: { san: "DNS:kubernetes" }, nodes: [{ name: "w1", addresses: [{ type: "Hostname", address: "kubernetes" }] }], want: "SANInCluster" },
  { name: "an IP in the Service CIDR is refused", csr: { san: `${OK_SAN},IP:10.96.0.1` }, want: "SANInServiceCIDR" },
  { name: "a Service-CIDR IP is refused even when the Node lists it", csr: { san: "IP:10.96.0.10" }, nodes: [{ name: "w1", addresses: [{ type: "InternalIP", address: "10.96.0.10" }] }], want: "SANInServiceCIDR" },
  { name: "another node's hostname is refused", csr: { san: "DNS:w1,DNS:w2" }, want: "SANMismatch" },
  { name: "another node's IP is refused", csr: { san: "DNS:w1,IP:10.0.0.12" }, want: "SANMismatch" },
  { name: "an IP outside the node's addresses is refused", csr: { san: "DNS:w1,IP:10.0.0.99" }, want: "SANMismatch" },
  { name: "a name that merely starts with the hostname is refused (no prefix matching)", csr: { san: "DNS:w1.evil.example.com" }, want: "SANMismatch" },
  { name: "a wildcard is refused", csr: { san: "DNS:*.nodes.example.com" }, config: { allowedDnsNames: [".*"] }, want: "SANMismatch" },
  { name: "an allow-list pattern is anchored: it cannot match inside a longer name", csr: { san: "DNS:w1.lb.example.org.evil.com" }, config: { allowedDnsNames: ["{node}\\.lb\\.example\\.org"] }, want: "SANMismatch" },
  { name: "an alternation in an allow-list pattern is anchored as a whole", csr: { san: "DNS:xb.example" }, config: { allowedDnsNames: ["a\\.example|b\\.example"] }, want: "SANMismatch" },
  { name: "an address another Node also lists is refused", csr: { san: "DNS:w1,IP:10.0.0.11" }, nodes: [W1, { name: "w3", addresses: [{ type: "InternalIP", address: "10.0.0.11" }] }], want: "SANMismatch" },
  { name: "an address another Node lists is allowed when shared addresses are configured", csr: { san: "DNS:w1,IP:10.0.0.11" }, nodes: [W1, { name: "w3", addresses: [{ type: "InternalIP", address: "10.0.0.11" }] }], config: { allowSharedAddresses: true }, want: "Approved" },
  { name: "addresses of other types do not count", csr: { san: "IP:10.0.0.50" }, nodes: [{ name: "w1", addresses: [{ type: "Hostname", address: "w1" }, { type: "PodCIDR", address: "10.0.0.50" }] }], want: "SANMismatch" },
];

describe("kubelet-serving approval chain", () => {
  let maker: NodeCsrMaker;
  before(() => (maker = new NodeCsrMaker()));
  after(() => maker.cleanup());

  for (const row of rows) {
    it(row.name, () => {
      const request = row.facts?.request ?? parseCsr(maker.der(row.node ?? "w1", row.csr ?? {}));
      const csr: CsrFacts = { name: "csr-1", signerName: "kubernetes.io/kubelet-serving", username: "system:node:w1", groups: ["system:nodes", "system:authenticated"], usages: ["digital signature", "server auth"], ...row.facts, request };
      const nodes = new Map((row.nodes ?? [W1, W2]).map((n) => [n.name, n]));
      const verdict = evaluateCsr({ csr, nodes, config: { ...CONFIG, ...row.config } });
      assert.equal(verdict.approved ? "Approved" : verdict.reason, row.want, verdict.approved ? "approved" : verdict.message);
      if (!verdict.approved) {
        assert.equal(verdict.retry, row.retry === true);
        assert.ok(verdict.message.length > 10);
      }
    });
  }

  it("a check that throws refuses (never approve on error)", () => {
    const verdict = evaluateCsr(
      { csr: { name: "x", signerName: "", groups: [], usages: [], request: { error: "x" } }, nodes: new Map(), config: CONFIG },
      [{ reason: "SANMismatch", checks: "boom", check: () => { throw new Error("boom"); } }],
    );
    assert.equal(verdict.approved, false);
  });

  it("the approval lists every check", () => {
    const verdict = evaluateCsr({ csr: { name: "x", signerName: "kubernetes.io/kubelet-serving", username: "system:node:w1", groups: ["system:nodes"], usages: ["digital signature", "server auth"], request: parseCsr(maker.der("w1", { san: OK_SAN })) }, nodes: new Map([["w1", W1]]), config: CONFIG });
    assert.ok(verdict.approved && verdict.checked.length === 15);
  });
});

describe("IP normalisation", () => {
  const ips: Array<[string, string | undefined]> = [
    ["10.0.0.1", "10.0.0.1"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["::ffff:a00:1", "10.0.0.1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8::1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["fe80::1%eth0", undefined],
    ["10.0.0.256", undefined],
    ["w1", undefined],
  ];
  for (const [text, want] of ips) it(`${text} is ${want ?? "no IP"}`, () => assert.equal(canonicalIp(text), want));

  it("CIDRs contain what they should, IPv4 and IPv6, mapped addresses included", () => {
    const c = parseCidr("10.96.0.0/12")!;
    assert.equal(cidrContains(c, parseIp("10.111.255.255")!), true);
    assert.equal(cidrContains(c, parseIp("10.112.0.0")!), false);
    assert.equal(cidrContains(c, parseIp("::ffff:10.96.0.1")!), true);
    assert.equal(cidrContains(parseCidr("fd00:10:96::/108")!, parseIp("fd00:10:96::a")!), true);
    assert.equal(cidrContains(parseCidr("fd00:10:96::/108")!, parseIp("10.96.0.1")!), false);
    assert.equal(parseCidr("10.0.0.0/33"), undefined);
    assert.equal(parseCidr("10.0.0.0"), undefined);
  });
});
