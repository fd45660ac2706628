import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { after, before, describe, it } from "node:test";
import { scan } from "../src/engine/scan.js";
import type { ScanIssue } from "../src/model/issue.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";

const now = new Date("2026-12-01T00:00:00Z");

async function scanDir(o: OpensslDir) {
  return scan({ paths: [o.dir], now, warnDays: 30, critDays: 7, workers: 0 });
}

function rel(o: OpensslDir, issue: ScanIssue): string {
  return issue.ref.slice(`file:${o.dir}/`.length);
}

describe("big trees: text that looks like certificate material and is not", () => {
  let o: OpensslDir;
  let cert: string;
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca");
    cert = o.readText("ca.crt");
    const brokenCert = "-----BEGIN CERTIFICATE-----\nMIIB not base64 at all %%%\n-----END CERTIFICATE-----\n";
    o.write("InRelease", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n");
    o.write("allowed_signers.sig", "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n");
    o.write("tls_test.py", `PEM = """${brokenCert}"""\nGOOD = """${cert}"""\nlabel = "-----BEGIN " + kind + "-----"\n`);
    o.write("apt-key", `#!/bin/sh\necho "-----BEGIN \${TYPE}-----"\n${brokenCert}`);
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), Buffer.from(brokenCert), Buffer.alloc(64)]);
    o.write("git-receive-pack", elf);
    o.write("jetty.service", "[Unit]\nDescription=Jetty\nkind: of\n[Service]\nType=forking\n");
    o.write("debian.conf", "[Service]\nExecStart=\nkind: x\n");
    // the same problems where a certificate is expected are still findings
    o.write("broken.crt", brokenCert);
    o.write("broken.yaml", "apiVersion: v1\nkind: Secret\ndata: [\n");
    o.write("config", "apiVersion: v1\nclusters: [\n");
  });
  after(() => o.cleanup());

  it("PGP/SSH blocks, sources, scripts, binaries and unit files are notes, one per file; certificate files keep their findings", async () => {
    const r = await scanDir(o);
    const material = r.issues.filter((i) => i.material).map((i) => rel(o, i)).sort();
    assert.deepEqual(material, ["broken.crt", "broken.yaml", "config"]);
    const notes = r.issues.filter((i) => i.code === "ERR_FILE_NOT_MATERIAL").map((i) => rel(o, i)).sort();
    assert.deepEqual(notes, ["InRelease", "allowed_signers.sig", "apt-key", "debian.conf", "git-receive-pack", "jetty.service", "tls_test.py"]);
    assert.ok(r.issues.filter((i) => i.code === "ERR_FILE_NOT_MATERIAL").every((i) => !i.material && i.message.startsWith("not certificate material: ")));
  });

  it("a certificate quoted in a source file is still read", async () => {
    const r = await scanDir(o);
    assert.ok(r.certificates.some((c) => c.locations.some((l) => l.ref.endsWith("tls_test.py#1"))), JSON.stringify(r.certificates.map((c) => c.locations.map((l) => l.ref))));
  });

  it("the parse-error rule reports only the certificate files", async () => {
    const r = await scanDir(o);
    const parseErrors = r.findings.filter((f) => f.rule === "parse-error").flatMap((f) => f.locations.map((l) => l.slice(`file:${o.dir}/`.length)));
    assert.deepEqual(parseErrors.sort(), ["broken.crt", "broken.yaml", "config"]);
  });
});

describe("big trees: memory", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    // 40 binaries of 2 MB, each quoting a broken PEM block (as git's binaries do, 150 hard links of 4 MB)
    const body = Buffer.alloc(2 * 1024 * 1024, 0x41);
    body[100] = 0;
    // a label of 13 characters or more: V8 keeps it as a slice of the whole text
    Buffer.from("-----BEGIN NEW CERTIFICATE REQUEST-----\n%%%\n-----END NEW CERTIFICATE REQUEST-----\n").copy(body, 4096);
    for (let i = 0; i < 40; i++) o.write(`tool-${i}`, body);
  });
  after(() => o.cleanup());

  it("a note does not keep the file it came from alive", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    const r = await scanDir(o);
    gc();
    const grown = process.memoryUsage().heapUsed - base;
    assert.equal(r.issues.filter((i) => i.code === "ERR_FILE_NOT_MATERIAL").length, 40);
    // each file decoded is 2-4 MB of string: 40 kept alive would be 80 MB or more
    assert.ok(grown < 30 * 1024 * 1024, `heap grew by ${Math.round(grown / 1048576)} MiB`);
  });
});
