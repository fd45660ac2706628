/**
 * One report for several clusters: two kubeadm clusters whose CAs share the name CN=kubernetes. Named
 * with `--path NAME=DIR` they stay apart (no ca-divergence, no cross-cluster trust finding, every
 * location carries its scope); unnamed they are read as one cluster whose CA diverged.
 */
import assert from "node:assert/strict";
import { mkdirSync, renameSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";
import { parseNamedPath } from "../src/cli/commands/scan.js";
import { toJsonReport } from "../src/output/json.js";
import { scan } from "../src/engine/scan.js";

describe("cluster scopes", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-scopes-");
    for (const c of ["prod", "staging"]) {
      const pki = `${c}/etc/kubernetes/pki`;
      mkdirSync(o.path(pki), { recursive: true });
      o.makeCa(`${pki}/ca`, "/CN=kubernetes");
      o.makeLeaf(`${pki}/apiserver`, `${pki}/ca`, "/CN=kube-apiserver", "DNS:kubernetes,IP:10.96.0.1");
      renameSync(o.path(`${pki}/apiserver.csr`), o.path(`${c}-apiserver.csr`));
    }
  });
  after(() => o.cleanup());

  const run = (scopes?: Record<string, string>) =>
    scan({ paths: [o.path("prod"), o.path("staging")], ...(scopes ? { scopes } : {}), now: new Date(Date.now() + 86_400_000), warnDays: 30, critDays: 7, workers: 0 });
  const trustRules = (rules: string[]) => rules.filter((r) => r === "ca-divergence" || r === "chain-untrusted");

  it("named clusters never meet", async () => {
    const result = await run({ [o.path("prod")]: "prod", [o.path("staging")]: "staging" });
    assert.deepEqual(trustRules(result.findings.map((f) => f.rule)), []);
    const json = toJsonReport(result);
    for (const cert of json.certificates) {
      assert.ok(cert.scopes !== undefined, cert.subject);
      cert.locations.forEach((ref, i) => assert.equal(cert.scopes![i], ref.includes("/prod/") ? "prod" : "staging"));
    }
  });

  it("unnamed, the two CAs read as one diverged CA", async () => {
    const result = await run();
    assert.ok(trustRules(result.findings.map((f) => f.rule)).includes("ca-divergence"));
  });

  it("--path NAME=DIR parses; an existing path with '=' is literal", () => {
    assert.deepEqual(parseNamedPath("prod=./x", "/work"), { path: "/work/x", scope: "prod" });
    assert.deepEqual(parseNamedPath("/abs/dir", "/work"), { path: "/abs/dir" });
    mkdirSync(o.path("a=b"));
    assert.deepEqual(parseNamedPath(o.path("a=b"), "/"), { path: o.path("a=b") });
  });
});
