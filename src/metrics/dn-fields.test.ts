import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { makeOpensslDir } from "../../test/support/openssl.js";
import { parseCertificate } from "../pki/x509.js";
import { dnFields, dnFieldsFromHex, dnFieldsFromRfc2253 } from "./dn-fields.js";

const dir = makeOpensslDir("certdoctor-dn-");
after(() => dir.cleanup());

/** A self-signed certificate with `subject`, its strings encoded as openssl's string_mask chooses. */
function recordOf(name: string, subject: string, mask: string, extra: string[] = []) {
  dir.write(`${name}.cnf`, `[req]\ndistinguished_name=dn\nstring_mask=${mask}\n[dn]\n`);
  dir.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`,
    "-days", "1", "-utf8", "-config", `${name}.cnf`, "-subj", subject, ...extra);
  const der = dir.read(`${name}.crt`).toString("utf8").replace(/-----[^-]+-----|\s/g, "");
  return parseCertificate(Buffer.from(der, "base64")).record;
}

function subjectOf(name: string, subject: string, mask: string, extra: string[] = []): ReturnType<typeof dnFieldsFromHex> {
  const record = recordOf(name, subject, mask, extra);
  // An agent reports only the display form: read back, it must give the same fields as the DER.
  assert.deepEqual(dnFieldsFromRfc2253(record.subject), dnFieldsFromHex(record.subjectDer), record.subject);
  return dnFieldsFromHex(record.subjectDer);
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

  it("reads the display form's escapes back: specials, leading # and spaces, control characters, multi-valued RDNs", () => {
    const tricky = "/C=DE/ST=a\\,b+L=x\\+y/O=\\#hash/OU= lead and trail /OU=second/CN=q\"uote;semi<lt>gt\\\\back/CN=ctl\x01é";
    const f = subjectOf("tricky", tricky, "utf8only", ["-multivalue-rdn"]);
    assert.deepEqual(f, { C: "DE", ST: "a,b", L: "x+y", O: "#hash", OU: " lead and trail ", CN: "ctl\x01é" });
    subjectOf("tricky-bmp", tricky, "pkix", ["-multivalue-rdn"]);
  });

  it("gives empty display-form fields for malformed text, never an exception (property)", () => {
    const empty = { C: "", ST: "", L: "", O: "", OU: "", CN: "" };
    assert.deepEqual(dnFieldsFromRfc2253(""), empty);
    assert.deepEqual(dnFieldsFromRfc2253("CN"), empty);
    assert.deepEqual(dnFieldsFromRfc2253("CN=a\\"), empty);
    assert.deepEqual(dnFieldsFromRfc2253("2.5.4.3=#0C0161,O=x"), { ...empty, O: "x" });
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("C", "N", "O", "=", ",", "+", "\\", "#", "4", "1", " ", "é", "\u{1F600}") }), (text) => {
        assert.equal(Object.keys(dnFieldsFromRfc2253(text)).length, 6);
      }),
      { numRuns: 1000 },
    );
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
