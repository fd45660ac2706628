import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { makeOpensslDir } from "../../test/support/openssl.js";
import { parseCertificate } from "../pki/x509.js";
import { dnFields, dnFieldsFromHex } from "./dn-fields.js";

const dir = makeOpensslDir("certdoctor-dn-");
after(() => dir.cleanup());

/** A self-signed certificate with `subject`, its strings encoded as openssl's string_mask chooses. */
function subjectOf(name: string, subject: string, mask: string, extra: string[] = []): ReturnType<typeof dnFieldsFromHex> {
  dir.write(`${name}.cnf`, `[req]\ndistinguished_name=dn\nstring_mask=${mask}\n[dn]\n`);
  dir.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`,
    "-days", "1", "-utf8", "-config", `${name}.cnf`, "-subj", subject, ...extra);
  const der = dir.read(`${name}.crt`).toString("utf8").replace(/-----[^-]+-----|\s/g, "");
  return dnFieldsFromHex(parseCertificate(Buffer.from(der, "base64")).record.subjectDer);
}

describe("distinguished-name label fields (Go pkix.Name semantics)", () => {
  const subject = "/C=FR/ST=Île-de-France/L=Paris/O=Org A/O=Org B/OU=Unité/CN=first/CN=sécond";
  const want = { C: "FR", ST: "Île-de-France", L: "Paris", O: "Org A", OU: "Unité", CN: "sécond" };
  for (const [mask, encoding] of [["utf8only", "UTF8String"], ["pkix", "BMPString"], ["default", "T61String"]] as const) {
    it(`reads ${encoding} values: first O, last CN, ST from stateOrProvinceName`, () => {
      assert.deepEqual(subjectOf(mask, subject, mask), want);
    });
  }

  it("reads each value of a multi-valued RDN", () => {
    assert.deepEqual(subjectOf("multi", "/O=system:nodes+CN=system:node:worker-1", "utf8only", ["-multivalue-rdn"]), {
      C: "", ST: "", L: "", O: "system:nodes", OU: "", CN: "system:node:worker-1",
    });
  });

  it("gives empty fields for an empty or malformed Name, never an exception", () => {
    const empty = { C: "", ST: "", L: "", O: "", OU: "", CN: "" };
    assert.deepEqual(dnFieldsFromHex(""), empty);
    assert.deepEqual(dnFieldsFromHex("3000"), empty);
    assert.deepEqual(dnFieldsFromHex("3005310330"), empty);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const f = dnFields(bytes);
        assert.equal(Object.keys(f).length, 6);
      }),
      { numRuns: 500 },
    );
  });
});
