import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { runSourceContract } from "../sources/contract.js";
import { fakeProcess, makeKopsStory } from "../../test/support/agent-node.js";
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

runSourceContract("process", (proc) => processSource(proc, viewProcesses(proc, findKubeProcesses(proc))), {
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
