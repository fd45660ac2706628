import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { resolveInRoot } from "../fs/in-root.js";
import { configRefsFromText, parseFlags, processFiles } from "./process-files.js";
import { parseCmdline, recogniseComponent, sanitiseComm } from "./proc.js";

describe("agent: which files a process uses", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-procfiles-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const components = [
    { name: "kube-controller-manager by its truncated comm", comm: "kube-controller", argv: ["/usr/local/bin/kube-controller-manager"], want: "kube-controller-manager" },
    { name: "hyperkube kube-proxy", comm: "hyperkube", argv: ["/hyperkube", "kube-proxy", "--kubeconfig=/x"], want: "kube-proxy" },
    { name: "K3s renamed to k3s-server", comm: "k3s-server", argv: ["/usr/local/bin/k3s", "server"], want: "k3s" },
    { name: "kubelet by argv[0] when comm was changed", comm: "some-thread", argv: ["/usr/bin/kubelet"], want: "kubelet" },
    { name: "a shell is not a component", comm: "bash", argv: ["bash", "--kubeconfig=/x"], want: undefined },
  ];
  for (const row of components) it(`recognises ${row.name}`, () => assert.equal(recogniseComponent(row.comm, row.argv), row.want));

  const flagRows = [
    { name: "--flag=value and --flag value", argv: ["kubelet", "--kubeconfig=/a", "--tls-cert-file", "/b", "--v=2"], want: [["kubeconfig", "/a"], ["tls-cert-file", "/b"], ["v", "2"]] },
    { name: "single-dash Go flags", argv: ["etcd", "-cert-file=/c"], want: [["cert-file", "/c"]] },
    { name: "boolean flag followed by another flag", argv: ["x", "--once", "--kubeconfig=/k"], want: [["kubeconfig", "/k"]] },
  ];
  for (const row of flagRows) it(`parses ${row.name}`, () => assert.deepEqual(parseFlags(row.argv).map((f) => [f.name, f.value]), row.want));

  it("follows --config to kube-proxy's clientConnection.kubeconfig and KubeletConfiguration's TLS files", () => {
    const root = join(dir, "cfg");
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc/proxy.yaml"), "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig\n");
    writeFileSync(join(root, "etc/kubelet.yaml"), "kind: KubeletConfiguration\ntlsCertFile: /var/lib/kubelet/pki/kubelet.crt\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n");
    const proxy = processFiles({ pid: 1, comm: "kube-proxy", component: "kube-proxy", argv: ["kube-proxy", "--config=/etc/proxy.yaml"] }, root);
    assert.deepEqual(proxy, [{ path: "/var/lib/kube-proxy/kubeconfig", via: "config:clientConnection.kubeconfig" }]);
    const kubelet = processFiles({ pid: 2, comm: "kubelet", component: "kubelet", argv: ["kubelet", "--config", "/etc/kubelet.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf"] }, root);
    assert.deepEqual(kubelet.map((f) => f.path).sort(), ["/etc/kubernetes/kubelet.conf", "/etc/kubernetes/pki/ca.crt", "/var/lib/kubelet/pki/kubelet.crt"]);
  });

  it("uses cloudcore's default config file when its command line names none", () => {
    const root = join(dir, "edge");
    mkdirSync(join(root, "etc/kubeedge/config"), { recursive: true });
    writeFileSync(join(root, "etc/kubeedge/config/cloudcore.yaml"), "kind: CloudCore\nmodules:\n  cloudHub:\n    tlsCAFile: /etc/kubeedge/ca/rootCA.crt\n    tlsCertFile: /etc/kubeedge/certs/server.crt\n");
    const files = processFiles({ pid: 3, comm: "cloudcore", component: "cloudcore", argv: ["cloudcore"] }, root);
    assert.deepEqual(files.map((f) => f.path), ["/etc/kubeedge/ca/rootCA.crt", "/etc/kubeedge/certs/server.crt"]);
  });

  it("resolves absolute symlinks inside the process's root, never the agent's", () => {
    const root = join(dir, "links");
    mkdirSync(join(root, "var/lib/kubelet/pki"), { recursive: true });
    writeFileSync(join(root, "var/lib/kubelet/pki/kubelet-client-2026.pem"), "x");
    symlinkSync("/var/lib/kubelet/pki/kubelet-client-2026.pem", join(root, "var/lib/kubelet/pki/kubelet-client-current.pem"));
    symlinkSync("../../../../..", join(root, "var/lib/kubelet/pki/up"));
    const rows = [
      { name: "absolute link", path: "/var/lib/kubelet/pki/kubelet-client-current.pem", want: join(root, "var/lib/kubelet/pki/kubelet-client-2026.pem") },
      { name: ".. does not climb out", path: "/var/lib/kubelet/pki/up/var/lib/kubelet/pki/kubelet-client-2026.pem", want: join(root, "var/lib/kubelet/pki/kubelet-client-2026.pem") },
      { name: "missing", path: "/nope", want: undefined },
      { name: "relative", path: "var/x", want: undefined },
    ];
    for (const r of rows) assert.equal(resolveInRoot(root, r.path), r.want, r.name);
  });

  it("untrusted cmdline and config bytes never throw and stay bounded (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 512 }), (bytes, text) => {
        const argv = parseCmdline(bytes);
        assert.ok(Array.isArray(argv));
        for (const f of parseFlags(argv)) assert.equal(typeof f.value, "string");
        const refs = configRefsFromText(text);
        assert.ok(refs.length <= 256 && refs.every((r) => r.value.startsWith("/")));
        assert.match(sanitiseComm(text), /^[A-Za-z0-9._-]{1,64}$/);
      }),
      { numRuns: 300 },
    );
  });

  it("a config file full of aliases and nesting is walked within its budget", () => {
    const nested = "a: &x {kubeconfig: /k, b: [*x, *x, *x]}\n" + Array.from({ length: 200 }, (_, i) => `k${i}: *x`).join("\n");
    const refs = configRefsFromText(nested);
    assert.ok(refs.length >= 1 && refs.length <= 256);
  });

  it("never resolves outside the process's root, whatever the path and links (property)", () => {
    const root = join(dir, "jail");
    mkdirSync(join(root, "a/b"), { recursive: true });
    writeFileSync(join(root, "a/b/f"), "x");
    symlinkSync("/", join(root, "a/abs"));
    symlinkSync("../../../../../../..", join(root, "a/up"));
    symlinkSync("loop2", join(root, "a/loop1"));
    symlinkSync("loop1", join(root, "a/loop2"));
    symlinkSync("/a/b", join(root, "b"));
    const segment = fc.constantFrom(".", "..", "a", "b", "f", "abs", "up", "loop1", "etc", "");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), (parts) => {
        const got = resolveInRoot(root, `/${parts.join("/")}`);
        assert.ok(got === undefined || got === root || got.startsWith(`${root}/`), String(got));
      }),
      { numRuns: 500 },
    );
  });
});
