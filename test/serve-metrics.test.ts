/**
 * `certdoctor serve` and Prometheus end to end over a real socket: /metrics of a served node tree is
 * promtool-clean, gzip for Prometheus, needs the token unless --metrics-public, and follows kubelet's
 * client-certificate rotation (new file, symlink swapped atomically) without a restart: the superseded
 * certificate's series disappear, the new one's appear (enix #123).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "./support/exposition.js";
import { FixedPki } from "./support/fixed-pki.js";
import { eventually, http } from "./support/http.js";
import { startServeProcess } from "./support/serve-process.js";

const NOW = "2026-06-01T00:00:00Z";
const TOKEN = "serve-metrics-token-0123456789";
const PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const KUBELET = "var/lib/kubelet/pki";
const pki = new FixedPki();
const work = mkdtempSync(join(tmpdir(), "certdoctor-serve-metrics-"));
const children: ChildProcess[] = [];

async function serve(args: string[]): Promise<string> {
  const server = await startServeProcess(args);
  children.push(server.proc);
  return server.url;
}

const serialOf = (name: string) => BigInt(`0x${pki.fields(name).serialHex}`).toString();

function rotateTo(file: string): void {
  const link = join(pki.tree, KUBELET, "kubelet-client-current.pem");
  const tmp = `${link}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(file, tmp);
  renameSync(tmp, link);
}

before(() => {
  pki.issue("ca", { subj: "/CN=kubernetes", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
  pki.issue("k1", { subj: "/O=system:nodes/CN=system:node:worker-1", start: "2025-06-15T00:00:00Z", end: "2026-06-15T00:00:00Z", signer: "ca" });
  pki.issue("k2", { subj: "/O=system:nodes/CN=system:node:worker-1", start: "2026-05-31T00:00:00Z", end: "2027-05-31T00:00:00Z", signer: "ca" });
  pki.put("etc/kubernetes/pki/ca.crt", pki.pem("ca"));
  pki.put(`${KUBELET}/kubelet-client-2025-06-15-00-00-00.pem`, pki.pem("k1") + pki.keyPem("k1"));
  rotateTo("kubelet-client-2025-06-15-00-00-00.pem");
  writeFileSync(join(work, "tokens"), `${TOKEN}\n`);
});
after(() => {
  for (const c of children) c.kill("SIGKILL");
  pki.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe("certdoctor serve: /metrics", () => {
  it("needs the token, answers Prometheus with gzip, is promtool-clean and follows kubelet's symlink rotation", async () => {
    const base = ["--path", pki.tree, "--listen", "127.0.0.1:0", "--database", join(work, "a.db"), "--interval", "2s", "--debounce-ms", "100", "--now", NOW];
    const url = await serve([...base, "--token-file", join(work, "tokens")]);
    assert.equal((await http(`${url}/metrics`)).status, 401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const zipped = await http(`${url}/metrics`, { headers: { ...auth, accept: PROMETHEUS_ACCEPT, "accept-encoding": "gzip" } });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers["content-encoding"], "gzip");
    assert.match(String(zipped.headers["content-type"]), /^application\/openmetrics-text; version=1\.0\.0/);

    const kubeletSerials = async () => {
      const res = await http(`${url}/metrics`, { headers: auth });
      assert.equal(res.status, 200);
      const exp = parseExposition(res.body);
      return { body: res.body, serials: samplesOf(exp, "x509_cert_not_after").filter((s) => s.labels.filename === "kubelet-client-current.pem").map((s) => s.labels.serial_number) };
    };
    const before = await eventually(async () => {
      const r = await kubeletSerials();
      return r.serials.length > 0 ? r : undefined;
    }, 20_000, "the first scan's series");
    assert.deepEqual(before.serials, [serialOf("k1")]);
    assert.equal(promtoolCheckMetrics(before.body), "");

    // kubelet rotates: a new dated file, then the symlink swapped atomically.
    pki.put(`${KUBELET}/kubelet-client-2026-05-31-00-00-00.pem`, pki.pem("k2") + pki.keyPem("k2"));
    rotateTo("kubelet-client-2026-05-31-00-00-00.pem");
    const later = await eventually(async () => {
      const r = await kubeletSerials();
      return r.serials.includes(serialOf("k2")) ? r : undefined;
    }, 20_000, "the rotated certificate's series");
    assert.deepEqual(later.serials, [serialOf("k2")]);
    // The superseded dated file is a backup: no series of k1 anywhere.
    assert.doesNotMatch(later.body, new RegExp(`serial_number="${serialOf("k1")}"`));
    assert.equal(promtoolCheckMetrics(later.body), "");
  });

  it("with --metrics-public, serves /metrics without the token while the API still needs it", async () => {
    const url = await serve(["--path", pki.tree, "--listen", "127.0.0.1:0", "--database", join(work, "b.db"), "--now", NOW, "--token-file", join(work, "tokens"), "--metrics-public"]);
    assert.equal((await http(`${url}/metrics`)).status, 200);
    assert.equal((await http(`${url}/api/v1/findings`)).status, 401);
  });
});
