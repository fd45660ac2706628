import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { defaultLimits, isScanIssue, type Source } from "../model/scan.js";
import { runSourceContract } from "../../test/support/source-contract.js";
import { agentNow, fakeProcess, makeKopsStory } from "../../test/support/agent-node.js";
import { scanNode } from "./scan-node.js";
import { findKubeProcesses } from "./proc.js";
import { processSource, viewProcesses } from "./process-source.js";

const story = makeKopsStory();
const base = mkdtempSync(join(tmpdir(), "certdoctor-process-source-"));
after(() => {
  story.cleanup();
  rmSync(base, { recursive: true, force: true });
});

let n = 0;
/** A fake /proc with one kube-apiserver whose root holds `files` (name -> source file or literal text). */
function fakeProc(files: Record<string, string>, extraArgs: string[] = []): string {
  const dir = join(base, String(++n));
  const root = join(dir, "ctr");
  mkdirSync(join(root, "pki"), { recursive: true });
  for (const [name, src] of Object.entries(files)) {
    if (src.startsWith("/")) copyFileSync(src, join(root, "pki", name));
    else writeFileSync(join(root, "pki", name), src);
  }
  const proc = join(dir, "proc");
  mkdirSync(proc);
  fakeProcess(proc, 100, "kube-apiserver", ["/usr/local/bin/kube-apiserver", "--tls-cert-file=/pki/apiserver.crt", "--client-ca-file=/pki/ca.crt", ...extraArgs], root);
  return proc;
}

/** The process source over what /proc holds when discovery starts (finding the processes is asynchronous). */
function sourceOver(proc: string): Source {
  return {
    kind: processSource(proc, []).kind,
    async *discover(ctx) {
      yield* processSource(proc, viewProcesses(proc, (await findKubeProcesses(proc)).processes)).discover(ctx);
    },
  };
}

runSourceContract("process", sourceOver, {
  setupGood: () => fakeProc({ "apiserver.crt": story.serving.crt, "ca.crt": story.ca.crt }),
  setupWithUnreadable: () =>
    fakeProc({ "apiserver.crt": story.serving.crt, "ca.crt": story.ca.crt, "etcd-ca.crt": "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n" }, ["--etcd-cafile=/pki/etcd-ca.crt"]),
  setupMany: () => {
    const files: Record<string, string> = { "apiserver.crt": story.serving.crt, "ca.crt": story.ca.crt };
    const args: string[] = [];
    for (let i = 0; i < 30; i++) {
      files[`c${i}.crt`] = story.newClient.crt;
      args.push(`--cert-file=/pki/c${i}.crt`);
    }
    return fakeProc(files, args);
  },
});

describe("process source: what a process names but cannot see, and what never leaves the node", () => {
  it("notes (not findings) files missing from the process's view; reads kubeconfig references inside the view", async () => {
    const dir = join(base, "refs");
    const root = join(dir, "ctr");
    mkdirSync(join(root, "etc/kubernetes/pki"), { recursive: true });
    copyFileSync(story.newClient.crt, join(root, "etc/kubernetes/pki/client.crt"));
    writeFileSync(
      join(root, "etc/kubernetes/kubelet.conf"),
      "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: n\n  user:\n    client-certificate: /etc/kubernetes/pki/client.crt\n",
    );
    const proc = join(dir, "proc");
    mkdirSync(proc, { recursive: true });
    fakeProcess(proc, 9, "kubelet", ["kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--client-ca-file=/etc/kubernetes/pki/missing.crt"], root);
    const items = [];
    for await (const i of sourceOver(proc).discover({ limits: defaultLimits, pkcs12Passwords: [] })) items.push(i);
    const rows = items.map((i) => (isScanIssue(i) ? `issue ${i.code} ${i.ref} material=${i.material}` : `${i.type} ${i.ref} ${i.context}`));
    assert.deepEqual(rows, [
      "cert process:kubelet[9]:/etc/kubernetes/pki/client.crt process:kubelet[9]:kubeconfig:/etc/kubernetes/kubelet.conf",
      "issue ERR_PROC_UNREADABLE process:kubelet[9]:/etc/kubernetes/pki/missing.crt material=false",
    ]);
  });

  it("reports carry no private key bytes", async () => {
    const dir = join(base, "secrets");
    const root = join(dir, "node");
    const ctr = join(dir, "ctr");
    for (const [r, c] of [[root, story.newClient], [ctr, story.oldClient]] as const) {
      mkdirSync(join(r, "var/lib/kube-proxy"), { recursive: true });
      writeFileSync(join(r, "var/lib/kube-proxy/kubeconfig"), story.kubeconfig(c));
    }
    const proc = join(dir, "proc");
    mkdirSync(proc, { recursive: true });
    fakeProcess(proc, 5, "kube-proxy", ["kube-proxy", "--kubeconfig=/var/lib/kube-proxy/kubeconfig"], ctr);
    const { report } = await scanNode({ root, procDir: proc, now: agentNow, warnDays: 30, critDays: 7, nodeName: "n", version: "t" });
    assert.ok(report.findings.some((f) => f.rule === "container-view-stale"));
    const text = JSON.stringify(report);
    for (const key of [story.newClient.key, story.oldClient.key]) {
      const pem = readFileSync(key, "utf8");
      const body = pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----")).join("");
      for (const needle of [body.slice(0, 40), Buffer.from(pem).toString("base64").slice(0, 40)]) assert.ok(!text.includes(needle));
    }
    assert.ok(!text.includes("PRIVATE KEY"));
  });
});
