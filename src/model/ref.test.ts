import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  refKindOf,
  blockIndexOf,
  blockRef,
  dirRef,
  endpointHostPort,
  endpointRef,
  fileRef,
  formatRef,
  kubeconfigRef,
  makeRef,
  namedRef,
  objectRef,
  parseRef,
  processRef,
  splitBlock,
  type SourceRef,
} from "./ref.js";

const text = (chars: string, min = 1): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...chars.split("")), minLength: min, maxLength: 12 });
const PATH_CHARS = "/abc.-_ #:é%";
const DNS = text("abcz09-.");
const KEY = text("abc.-_09/#: ", 0);
const block = fc.option(fc.nat({ max: 40 }), { nil: undefined });
const notBlockEnd = (s: string) => !/#\d+(?:\/\d+)*$/.test(s);
const noEntry = (s: string) => !/#(?:users|clusters|contexts)\//.test(s);
const path = text(PATH_CHARS).map((s) => `/${s}`);
const kubeKey = fc
  .tuple(fc.constantFrom("users", "clusters", "contexts"), text("abc:-#/@ "), fc.option(fc.constant("key"), { nil: undefined }), block)
  .map(([section, name, key, n]) => [section, name, ...(key === undefined ? [] : [key]), ...(n === undefined ? [] : [String(n)])].join("/"));
const processId = fc.tuple(text("abc-_ .:"), fc.nat({ max: 99999 })).map(([comm, pid]) => `${comm}[${pid}]`);

/** Every value the constructors can build, within the string form's one documented ambiguity. */
const anyRef: fc.Arbitrary<SourceRef> = fc.oneof(
  fc.tuple(path, block).filter(([p, n]) => n !== undefined || notBlockEnd(p)).map(([p, n]) => fileRef(p, n)),
  fc.tuple(path.filter(noEntry), fc.option(kubeKey, { nil: undefined })).filter(([p, k]) => k !== undefined || notBlockEnd(p)).map(([p, k]) => kubeconfigRef(p, k)),
  fc.tuple(fc.constantFrom("secret", "configmap", "service") as fc.Arbitrary<"secret" | "configmap" | "service">, DNS, DNS, fc.option(KEY, { nil: undefined })).map(([k, ns, n, key]) => objectRef(k, ns, n, key)),
  fc.tuple(fc.constantFrom("csr", "webhook", "apiservice", "crd", "node", "cluster", "agent") as fc.Arbitrary<"csr">, text("abc.-_ :/@"), fc.option(KEY, { nil: undefined })).map(([k, n, key]) => namedRef(k, n, key)),
  fc.tuple(text("abc.019:[]"), fc.option(fc.oneof(fc.nat({ max: 9 }).map(String), fc.nat({ max: 9 }).map((n) => `ca/${n}`)), { nil: undefined })).map(([a, key]) => endpointRef(a, key)),
  path.map(dirRef),
  fc.tuple(processId, path.filter(noEntry), fc.option(fc.oneof(kubeKey, fc.nat({ max: 9 }).map(String)), { nil: undefined })).filter(([, p, k]) => k !== undefined || notBlockEnd(p)).map(([id, p, k]) => processRef(id, p, k)),
  fc.tuple(text("abcxyz-"), text("abc/.:-_"), fc.option(KEY, { nil: undefined })).filter(([k, l]) => /^[a-z]/.test(k) && !["file", "kubeconfig", "process", "dir", "secret", "configmap", "service", "node", "agent"].includes(k)).map(([k, l, key]) => makeRef(k, l, key)),
);

describe("SourceRef", () => {
  it("parse(format(x)) is x for every value the constructors build", () => {
    fc.assert(fc.property(anyRef, (ref) => assert.deepEqual(parseRef(formatRef(ref)), ref)), { numRuns: 2000 });
  });

  it("refKindOf is the parsed kind for every value the constructors build", () => {
    fc.assert(fc.property(anyRef, (ref) => assert.equal(refKindOf(formatRef(ref)), ref.kind)), { numRuns: 2000 });
    assert.equal(refKindOf("no-kind"), "");
  });

  it("format(parse(s)) is s for any string that parses", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), text("filesecrtpo:/#[]0123 kubeconfig-"), anyRef.map(formatRef)), (s) => {
        const ref = parseRef(s);
        if (ref !== undefined) assert.equal(formatRef(ref), s);
      }),
      { numRuns: 3000 },
    );
  });

  const rows: Array<{ name: string; s: string; want: SourceRef | undefined }> = [
    { name: "a file", s: "file:/etc/kubernetes/pki/ca.crt", want: { kind: "file", location: "/etc/kubernetes/pki/ca.crt" } },
    { name: "a file's third block", s: "file:/bundle.pem#2", want: { kind: "file", location: "/bundle.pem", key: "2" } },
    { name: "a file whose path holds '#'", s: "file:/a#b/c.pem#2", want: { kind: "file", location: "/a#b/c.pem", key: "2" } },
    { name: "a block of a value salvaged from broken YAML", s: "file:/a.yaml#2/1", want: { kind: "file", location: "/a.yaml", key: "2/1" } },
    { name: "a kubeconfig user", s: "kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin", want: { kind: "kubeconfig", location: "/etc/kubernetes/admin.conf", key: "users/kubernetes-admin" } },
    { name: "a kubeconfig user named with '#'", s: "kubeconfig:/k#users/a#b/1", want: { kind: "kubeconfig", location: "/k", key: "users/a#b/1" } },
    { name: "a Secret key", s: "secret:kube-system/ca#tls.crt/1", want: { kind: "secret", location: "kube-system/ca", key: "tls.crt/1", namespace: "kube-system", name: "ca" } },
    { name: "a ConfigMap", s: "configmap:kube-system/kube-root-ca.crt", want: { kind: "configmap", location: "kube-system/kube-root-ca.crt", namespace: "kube-system", name: "kube-root-ca.crt" } },
    { name: "a webhook caBundle", s: "webhook:my-hook#webhooks/0/clientConfig/caBundle", want: { kind: "webhook", location: "my-hook", key: "webhooks/0/clientConfig/caBundle" } },
    { name: "an endpoint's client-CA list", s: "endpoint:10.0.0.1:6443#ca/0", want: { kind: "endpoint", location: "10.0.0.1:6443", key: "ca/0" } },
    { name: "an API request", s: "kube-api:/api/v1/namespaces/team-a/configmaps#list", want: { kind: "kube-api", location: "/api/v1/namespaces/team-a/configmaps", key: "list" } },
    { name: "a Node", s: "node:w1", want: { kind: "node", location: "w1", node: "w1" } },
    { name: "a process's kubeconfig", s: "process:kube-proxy[4242]:/var/lib/kube-proxy/kubeconfig#users/kube-proxy", want: { kind: "process", process: "kube-proxy[4242]", location: "/var/lib/kube-proxy/kubeconfig", key: "users/kube-proxy" } },
    { name: "a process trust context", s: "process:comm[7]:dir:/etc/x", want: { kind: "process", process: "comm[7]", location: "dir:/etc/x" } },
    { name: "no kind", s: "/etc/x", want: undefined },
    { name: "an empty kind", s: ":x", want: undefined },
    { name: "a process without its view", s: "process", want: undefined },
  ];
  for (const row of rows) {
    it(`parses ${row.name}`, () => {
      assert.deepEqual(parseRef(row.s), row.want);
      if (row.want !== undefined) assert.equal(formatRef(row.want), row.s);
    });
  }

  const blocks = [
    { name: "file block", s: "file:/b.pem#2", want: ["file:/b.pem", 2] },
    { name: "whole file", s: "file:/b.pem", want: undefined },
    { name: "Secret key block", s: "secret:ns/n#tls.crt/1", want: ["secret:ns/n#tls.crt", 1] },
    { name: "whole Secret key", s: "secret:ns/n#tls.crt", want: undefined },
    { name: "Secret key named by digits", s: "secret:ns/n#0", want: undefined },
    { name: "kubeconfig user block", s: "kubeconfig:/k#users/u/1", want: ["kubeconfig:/k#users/u", 1] },
    { name: "kubeconfig user whose name is digits", s: "kubeconfig:/k#users/7", want: undefined },
    { name: "endpoint chain position", s: "endpoint:h:1#3", want: ["endpoint:h:1", 3] },
    { name: "endpoint client CA", s: "endpoint:h:1#ca/0", want: ["endpoint:h:1#ca", 0] },
    { name: "process file block", s: "process:p[1]:/x.pem#1", want: ["process:p[1]:/x.pem", 1] },
    { name: "process kubeconfig user", s: "process:p[1]:/k#users/u", want: undefined },
  ];
  for (const row of blocks) {
    it(`splits the block of a ${row.name}`, () => {
      const got = splitBlock(parseRef(row.s)!);
      assert.deepEqual(got === undefined ? undefined : [formatRef(got.value), got.index], row.want);
      if (got !== undefined) assert.equal(formatRef(blockRef(got.value, got.index)), row.s);
    });
  }

  it("gives an endpoint's host and port", () => {
    assert.deepEqual(endpointHostPort(endpointRef("[::1]:443", "0")), { host: "::1", port: 443 });
    assert.deepEqual(endpointHostPort(endpointRef("10.0.0.1:6443")), { host: "10.0.0.1", port: 6443 });
    assert.equal(endpointHostPort(fileRef("/x")), undefined);
  });
});

describe("blockIndexOf", () => {
  const rows = [
    { ref: "file:/a/b.pem", want: 0 },
    { ref: "file:/a/b.pem#0", want: 0 },
    { ref: "file:/a/b.pem#3", want: 3 },
    { ref: "kubeconfig:/k.yaml#users/admin", want: 0 },
    { ref: "kubeconfig:/k.yaml#users/7", want: 0 },
    { ref: "kubeconfig:/k.yaml#users/default/1", want: 1 },
    { ref: "secret:ns/name#tls.crt", want: 0 },
    { ref: "secret:ns/name#tls.crt/2", want: 2 },
    { ref: "csr:csr-1", want: 0 },
    { ref: "endpoint:10.0.0.1:6443#1", want: 1 },
    { ref: "process:etcd[1]:/etc/etcd/ca.pem#2", want: 2 },
    { ref: "not a ref", want: 0 },
  ];
  for (const row of rows) it(row.ref, () => assert.equal(blockIndexOf(row.ref), row.want));
});
