import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { scanNode } from "../../src/agent/scan-node.js";
import { agentNow, fakeProcess, makeKopsStory, writeAt, type KopsStory } from "../support/agent-node.js";
import { parseProcessRef } from "../../src/rules/container-view-stale.js";

const KUBECONFIG = "/var/lib/kube-proxy/kubeconfig";

interface Row {
  name: string;
  /** Files on the node: path -> content key. */
  node: Record<string, "old" | "new" | "serving">;
  processes: Array<{ pid: number; comm: string; argv: string[]; view: "node" | Record<string, "old" | "new" | "serving"> }>;
  want: Array<{ severity: string; refs: [string, string]; seenIsOld: boolean }>;
}

describe("container-view-stale", () => {
  let story: KopsStory;
  before(() => {
    story = makeKopsStory();
  });
  after(() => story.cleanup());

  const content = (k: "old" | "new" | "serving"): string =>
    k === "serving" ? readFileSync(story.serving.crt, "utf8") : story.kubeconfig(k === "old" ? story.oldClient : story.newClient);

  const rows: Row[] = [
    {
      name: "kube-proxy container still sees the old kubeconfig after the node's was renewed (kops)",
      node: { [KUBECONFIG]: "new" },
      processes: [{ pid: 4242, comm: "kube-proxy", argv: ["/usr/local/bin/kube-proxy", `--kubeconfig=${KUBECONFIG}`, "--conntrack-max-per-core=131072"], view: { [KUBECONFIG]: "old" } }],
      want: [{ severity: "critical", refs: [`process:kube-proxy[4242]:${KUBECONFIG}#users/kube-proxy`, `kubeconfig:{root}${KUBECONFIG}#users/kube-proxy`], seenIsOld: true }],
    },
    {
      name: "the node's file was restored from an older backup while the container has the renewal",
      node: { [KUBECONFIG]: "old" },
      processes: [{ pid: 7, comm: "kube-proxy", argv: ["kube-proxy", "--kubeconfig", KUBECONFIG], view: { [KUBECONFIG]: "new" } }],
      want: [{ severity: "warning", refs: [`process:kube-proxy[7]:${KUBECONFIG}#users/kube-proxy`, `kubeconfig:{root}${KUBECONFIG}#users/kube-proxy`], seenIsOld: false }],
    },
    {
      name: "host process sees exactly the node's file",
      node: { [KUBECONFIG]: "new", "/var/lib/kubelet/pki/kubelet.crt": "serving" },
      processes: [{ pid: 900, comm: "kubelet", argv: ["/usr/bin/kubelet", "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt", `--kubeconfig=${KUBECONFIG}`], view: "node" }],
      want: [],
    },
    {
      name: "container-only certificate with no node counterpart",
      node: { [KUBECONFIG]: "new" },
      processes: [{ pid: 31, comm: "etcd", argv: ["etcd", "--cert-file=/etc/etcd-private/server.crt"], view: { "/etc/etcd-private/server.crt": "serving" } }],
      want: [],
    },
    {
      name: "an unrecognised process naming the same kubeconfig is ignored",
      node: { [KUBECONFIG]: "new" },
      processes: [{ pid: 55, comm: "bash", argv: ["bash", `--kubeconfig=${KUBECONFIG}`], view: { [KUBECONFIG]: "old" } }],
      want: [],
    },
  ];

  rows.forEach((row, i) => {
    it(row.name, async () => {
      const base = join(story.dir, `row-${i}`);
      const root = join(base, "node");
      const proc = join(base, "proc");
      mkdirSync(proc, { recursive: true });
      for (const [path, k] of Object.entries(row.node)) writeAt(root, path, content(k));
      for (const p of row.processes) {
        let viewRoot = root;
        if (p.view !== "node") {
          viewRoot = join(base, `ctr-${p.pid}`);
          for (const [path, k] of Object.entries(p.view)) writeAt(viewRoot, path, content(k));
        }
        fakeProcess(proc, p.pid, p.comm, p.argv, viewRoot);
      }
      const { result } = await scanNode({ root, procDir: proc, now: agentNow, warnDays: 30, critDays: 7, nodeName: "node-1", version: "test" });
      const found = result.findings.filter((f) => f.rule === "container-view-stale");
      assert.deepEqual(
        found.map((f) => ({ severity: f.severity, refs: f.locations })),
        row.want.map((w) => ({ severity: w.severity, refs: w.refs.map((r) => r.replace("{root}", root)) })),
      );
      // The "no finding" rows must not be vacuous: recognised processes' views were read.
      const processRefs = result.certificates.flatMap((c) => c.locations.map((l) => l.ref)).filter((r) => r.startsWith("process:"));
      assert.equal(processRefs.length > 0, row.processes.some((p) => p.comm !== "bash"));
      for (const [j, f] of found.entries()) {
        const seen = result.inventory.byFingerprint.get(f.certificates[0]!)!;
        const node = result.inventory.byFingerprint.get(f.certificates[1]!)!;
        assert.equal(seen.record.subject, "CN=system:kube-proxy");
        assert.equal(node.record.subject, "CN=system:kube-proxy");
        const oldNotAfter = Date.parse("2026-12-05T00:00:00Z");
        assert.equal(seen.record.notAfter === oldNotAfter, row.want[j]!.seenIsOld);
        assert.equal(node.record.notAfter === oldNotAfter, !row.want[j]!.seenIsOld);
      }
    });
  });

  it("parses process refs and nothing else", () => {
    const cases = [
      { ref: "process:kube-proxy[4242]:/var/lib/kube-proxy/kubeconfig#users/kube-proxy", want: { comm: "kube-proxy", pid: "4242", path: "/var/lib/kube-proxy/kubeconfig", key: "users/kube-proxy" } },
      { ref: "process:etcd[1]:/etc/etcd/server.crt", want: { comm: "etcd", pid: "1", path: "/etc/etcd/server.crt", key: undefined } },
      { ref: "file:/etc/kubernetes/pki/ca.crt", want: undefined },
      { ref: "process:x:/no-pid", want: undefined },
    ];
    for (const c of cases) {
      const got = parseProcessRef(c.ref);
      assert.deepEqual(got === undefined ? undefined : { comm: got.comm, pid: got.pid, path: got.path, key: got.ref.key }, c.want, c.ref);
    }
  });
});
