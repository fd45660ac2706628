import assert from "node:assert/strict";
import { mkdirSync, openSync, ftruncateSync, closeSync } from "node:fs";
import { after, describe, it } from "node:test";
import { ErrorCode } from "../../errors.js";
import type { CertItem, KeyItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { runSourceContract } from "../../../test/support/source-contract.js";
import { fileSource } from "./index.js";

const dirs: OpensslDir[] = [];
function fixtureWithChain(): OpensslDir {
  const o = makeOpensslDir();
  dirs.push(o);
  o.makeCa("ca");
  o.makeLeaf("leaf", "ca");
  return o;
}

runSourceContract("file", (dir) => fileSource([dir]), {
  setupGood: () => fixtureWithChain().dir,
  setupWithUnreadable() {
    const o = fixtureWithChain();
    o.write("broken.crt", "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n");
    return o.dir;
  },
  setupMany() {
    const o = fixtureWithChain();
    for (let i = 0; i < 30; i++) o.write(`copy-${String(i).padStart(2, "0")}.crt`, o.read("leaf.crt"));
    return o.dir;
  },
  cleanup: () => dirs.forEach((d) => d.cleanup()),
});

async function collect(roots: string[]): Promise<Array<RawItem | ScanIssue>> {
  const out: Array<RawItem | ScanIssue> = [];
  for await (const item of fileSource(roots).discover({ limits: defaultLimits, pkcs12Passwords: [] })) out.push(item);
  return out;
}

describe("fileSource", () => {
  after(() => dirs.forEach((d) => d.cleanup()));

  it("finds kubeadm-style and cfssl-style pairs and still finds good certs next to a 50 MB junk file", async () => {
    const o = fixtureWithChain();
    mkdirSync(o.path("pki"));
    mkdirSync(o.path("cfssl"));
    o.makeCa("pki/ca");
    o.makeLeaf("pki/apiserver", "pki/ca");
    o.makeLeaf("pki/front-proxy-client", "pki/ca");
    o.makeLeaf("cfssl-admin", "ca");
    o.write("cfssl/admin.pem", o.read("cfssl-admin.crt"));
    o.write("cfssl/admin-key.pem", o.read("cfssl-admin.key"));
    const fd = openSync(o.path("pki/junk.bin"), "w");
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const items = await collect([o.path("pki"), o.path("cfssl")]);
    const certs = items.filter((i): i is CertItem => !isScanIssue(i) && i.type === "cert");
    const keys = items.filter((i): i is KeyItem => !isScanIssue(i) && i.type === "key");
    assert.deepEqual(certs.map((c) => [c.ref, c.pair ?? null, c.anchor ?? false]), [
      [`file:${o.path("pki/apiserver.crt")}`, `pair:${o.path("pki/apiserver")}`, false],
      [`file:${o.path("pki/ca.crt")}`, `pair:${o.path("pki/ca")}`, true],
      [`file:${o.path("pki/front-proxy-client.crt")}`, `pair:${o.path("pki/front-proxy-client")}`, false],
      [`file:${o.path("cfssl/admin.pem")}`, `pair:${o.path("cfssl/admin")}`, false],
    ]);
    assert.deepEqual(keys.map((k) => k.pair).sort(), [`pair:${o.path("cfssl/admin")}`, `pair:${o.path("pki/apiserver")}`, `pair:${o.path("pki/ca")}`, `pair:${o.path("pki/front-proxy-client")}`].sort());
    const notes = items.filter(isScanIssue).map((i) => i.code);
    assert.deepEqual(notes, [ErrorCode.ERR_FILE_TOO_LARGE]);
  });
});
