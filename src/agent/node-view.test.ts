import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeView } from "./node-view.js";

describe("node view of the agent's paths", () => {
  const view = nodeView("/host/")!;
  const refs = [
    { name: "a file under the root", ref: "file:/host/etc/kubernetes/pki/ca.crt", want: "file:/etc/kubernetes/pki/ca.crt" },
    { name: "a block of a bundle", ref: "file:/host/etc/ssl/bundle.pem#2", want: "file:/etc/ssl/bundle.pem#2" },
    { name: "a kubeconfig entry", ref: "kubeconfig:/host/etc/kubernetes/admin.conf#users/kubernetes-admin/key", want: "kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin/key" },
    { name: "a trust context", ref: "dir:/host/etc/kubernetes/pki", want: "dir:/etc/kubernetes/pki" },
    { name: "the root itself", ref: "dir:/host", want: "dir:/" },
    { name: "a path that only starts with the root's name", ref: "file:/hostile/x.pem", want: "file:/hostile/x.pem" },
    { name: "a process view names the path as the process sees it", ref: "process:kubelet[42]:/host/x.pem", want: "process:kubelet[42]:/host/x.pem" },
    { name: "a Secret", ref: "secret:host/tls#tls.crt", want: "secret:host/tls#tls.crt" },
  ];
  for (const row of refs) it(`ref: ${row.name}`, () => assert.equal(view.ref(row.ref), row.want));

  const texts = [
    { name: "a ref in prose", text: "The key at file:/host/etc/kubernetes/pki/a.key does not match", want: "The key at file:/etc/kubernetes/pki/a.key does not match" },
    { name: "a command", text: "openssl x509 -in /host/etc/kubernetes/pki/a.crt -noout", want: "openssl x509 -in /etc/kubernetes/pki/a.crt -noout" },
    { name: "quoted and at the start", text: `/host/etc/x and "/host/etc/y"`, want: `/etc/x and "/etc/y"` },
    { name: "the root inside another path stays", text: "see /var/host/etc/x and /hostile/y", want: "see /var/host/etc/x and /hostile/y" },
  ];
  for (const row of texts) it(`text: ${row.name}`, () => assert.equal(view.text(row.text), row.want));

  it("a root of / changes nothing", () => assert.equal(nodeView("/"), undefined));
});
