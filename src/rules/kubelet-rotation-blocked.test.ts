import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, NOW, at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { kubeletRotationBlocked } from "./kubelet-rotation-blocked.js";

const CLIENT = "/node1/var/lib/kubelet/pki/kubelet-client-current.pem";
const SERVER = "/var/lib/kubelet/pki/kubelet-server-current.pem";
const kubelet = (path: string, symlink: boolean | undefined, notAfter = NOW + 200 * DAY) =>
  cert(record("k", { notBefore: notAfter - 365 * DAY, notAfter }), [at(`file:${path}`, { path, ...(symlink === undefined ? {} : { symlink }), node: "/node1" })]);

const rows = [
  { name: "the current file as a symlink: rotation works", c: kubelet(CLIENT, true), want: [] },
  { name: "a regular file, expiry far away: warning", c: kubelet(CLIENT, false), want: [`warning file:${CLIENT}`] },
  { name: "a regular file inside the warning window: critical", c: kubelet(CLIENT, false, NOW + 10 * DAY), want: [`critical file:${CLIENT}`] },
  { name: "the serving certificate too", c: kubelet(SERVER, false), want: [`warning file:${SERVER}`] },
  { name: "unknown whether it is a link (not read from a file): silent", c: kubelet(CLIENT, undefined), want: [] },
  { name: "a dated file is not the current one", c: kubelet("/var/lib/kubelet/pki/kubelet-client-2026-01-01.pem", false), want: [] },
];

describe("kubelet-rotation-blocked", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(kubeletRotationBlocked.check(inventory({ certs: [row.c] }), ctx)), row.want));

  it("names the node and when it breaks; nothing ahead once expired", () => {
    const [soon] = kubeletRotationBlocked.check(inventory({ certs: [kubelet(CLIENT, false, NOW + 10 * DAY)] }), ctx);
    assert.equal(soon!.title, "Kubelet client certificate cannot rotate on node1");
    assert.equal(soon!.breaksAt, new Date(NOW + 10 * DAY).toISOString());
    const [gone] = kubeletRotationBlocked.check(inventory({ certs: [kubelet(CLIENT, false, NOW - DAY)] }), ctx);
    assert.equal(gone!.breaksAt, undefined);
  });
});
