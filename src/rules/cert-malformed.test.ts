import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { certMalformed } from "./cert-malformed.js";

const withProblems = (problems: string[] | undefined, backup = false) => cert(record("c", problems === undefined ? {} : { problems }), [at("file:/a.crt", { backup })]);

const rows = [
  { name: "no problems: silent", c: withProblems(undefined), want: [] },
  { name: "an empty list: silent", c: withProblems([]), want: [] },
  { name: "a problem Go tolerates is info", c: withProblems(["zero-serial"]), want: ["info Non-conforming certificate: CN=c"] },
  { name: "a problem Go refuses is a warning", c: withProblems(["duplicate-extension"]), want: ["warning Go cannot parse certificate: CN=c"] },
  { name: "a tolerated and a refused one together: Go's refusal decides", c: withProblems(["zero-serial", "duplicate-extension"]), want: ["warning Go cannot parse certificate: CN=c"] },
  { name: "only in a backup: not live", c: withProblems(["duplicate-extension"], true), want: [] },
];

describe("cert-malformed", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(certMalformed.check(inventory({ certs: [row.c] }), ctx).map((f) => `${f.severity} ${f.title}`), row.want));

  it("quotes Go's error and the detail of a problem with one (N filled in)", () => {
    const [f] = certMalformed.check(inventory({ certs: [withProblems(["ip-san-length:5"])] }), ctx);
    assert.equal(f!.goError, "x509: cannot parse IP address of length 5");
    assert.match(f!.detail, /\(5\)/);
  });

  it("adds Go's version note where the refusal depends on it", () => {
    const [f] = certMalformed.check(inventory({ certs: [withProblems(["negative-serial"])] }), ctx);
    assert.equal(f!.goError, "x509: negative serial number");
    assert.match(f!.detail, /Go 1\.23 and later/);
  });

  it("an unknown code is shown as it is", () => {
    const [f] = certMalformed.check(inventory({ certs: [withProblems(["new-problem-code"])] }), ctx);
    assert.match(f!.detail, /readable but new-problem-code\./);
  });
});
