import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { formatDistinguishedName } from "./names.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";

/** An RDN sequence: each inner array is one RDN of [attribute type, openssl ASN1_generate value]. */
type Rdns = [string, string][][];

interface Row {
  name: string;
  rdns: Rdns;
  want: string;
}

const rows: Row[] = [
  { name: "plain kubeadm name", rdns: [[["O", "UTF8:system:masters"]], [["CN", "UTF8:kubernetes-admin"]]], want: "CN=kubernetes-admin,O=system:masters" },
  { name: "PrintableString and IA5String", rdns: [[["C", "PRINTABLESTRING:DE"]], [["emailAddress", "IA5STRING:ops@example.com"]]], want: "emailAddress=ops@example.com,C=DE" },
  { name: "T61String is latin1", rdns: [[["O", "FORMAT:UTF8,T61STRING:café"]]], want: "O=caf\\C3\\A9" },
  { name: "BMPString", rdns: [[["CN", "FORMAT:UTF8,BMPSTRING:日本 x"]]], want: "CN=\\E6\\97\\A5\\E6\\9C\\AC x" },
  { name: "UniversalString beyond the BMP", rdns: [[["CN", "FORMAT:UTF8,UNIVERSALSTRING:😀 é"]]], want: "CN=\\F0\\9F\\98\\80 \\C3\\A9" },
  { name: "UTF8String non-ASCII", rdns: [[["CN", "FORMAT:UTF8,UTF8String:Zoë"]]], want: "CN=Zo\\C3\\AB" },
  { name: "control characters", rdns: [[["OU", "FORMAT:UTF8,UTF8String:a\x01b\x7fc=d/e"]]], want: "OU=a\\01b\\7Fc=d/e" },
  {
    name: "RFC 2253 specials, leading # and spaces at both ends",
    rdns: [[["O", `UTF8:${escapeConf('x,y+z"q"<a>;b\\c')}`]], [["OU", `UTF8:${escapeConf("#tag")}`]], [["CN", `UTF8:${escapeConf("  mid # dle  ")}`]]],
    // openssl's config parser keeps one of the two escaped trailing spaces.
    want: 'CN=\\  mid # dle\\ ,OU=\\#tag,O=x\\,y\\+z\\"q\\"\\<a\\>\\;b\\\\c',
  },
  { name: "multi-valued RDN is reversed too", rdns: [[["CN", "UTF8:a"], ["O", "UTF8:b"], ["OU", "UTF8:c"]], [["C", "PRINTABLESTRING:US"]]], want: "C=US,OU=c+O=b+CN=a" },
  { name: "unknown attribute type is dumped", rdns: [[["1.2.3.4", "UTF8:foo"]], [["2.25.329800735698586629295641978511506172918", "UTF8:x"]]], want: "2.25.329800735698586629295641978511506172918=#0C0178,1.2.3.4=#0C03666F6F" },
  // OpenSSL refuses INTEGER or OCTET STRING values outright but accepts BIT STRING and SEQUENCE and dumps them.
  { name: "known attribute with a non-string value is dumped", rdns: [[["CN", "FORMAT:HEX,BITSTRING:0102"]], [["O", "SEQUENCE:empty"]]], want: "O=#3000,CN=#0303000102" },
  { name: "empty value", rdns: [[["CN", "UTF8:"]]], want: "CN=" },
  {
    name: "attribute short names OpenSSL knows",
    rdns: [
      "title", "SN", "GN", "street", "postalCode", "businessCategory", "description", "serialNumber", "DC", "UID", "L", "ST",
      "initials", "generationQualifier", "dnQualifier", "pseudonym", "role", "organizationIdentifier", "name", "x500UniqueIdentifier",
      "telephoneNumber", "postOfficeBox", "physicalDeliveryOfficeName", "jurisdictionL", "jurisdictionST", "jurisdictionC", "unstructuredName",
    ].map((type) => [[type, "UTF8:v"]]),
    want: "",
  },
];

/** Escapes characters the openssl config parser treats specially (comments, quotes, variables, trimmed spaces). */
function escapeConf(text: string): string {
  return text.replace(/[\\"'#$ ]/g, (c) => `\\${c}`);
}

function buildNameConfig(rdns: Rdns, root: "name" | "csr"): string {
  const lines = [root === "name" ? "asn1=SEQUENCE:name" : "asn1=SEQUENCE:csr"];
  lines.push(
    "[csr]", "info=SEQUENCE:info", "alg=SEQUENCE:alg", "sig=FORMAT:HEX,BITSTRING:0000",
    "[alg]", "o=OID:ED25519",
    "[info]", "v=INTEGER:0", "name=SEQUENCE:name", "spki=SEQUENCE:spki", "attrs=IMPLICIT:0C,SEQUENCE:empty",
    "[empty]",
    "[spki]", "alg=SEQUENCE:alg", "key=FORMAT:HEX,BITSTRING:00d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "[name]",
  );
  rdns.forEach((_, i) => lines.push(`r${i}=SET:r${i}`));
  rdns.forEach((rdn, i) => {
    lines.push(`[r${i}]`);
    rdn.forEach((_, j) => lines.push(`a${j}=SEQUENCE:a${i}_${j}`));
  });
  rdns.forEach((rdn, i) => rdn.forEach(([type, value], j) => lines.push(`[a${i}_${j}]`, `t=OID:${type}`, `v=${value}`)));
  return lines.join("\n") + "\n";
}

describe("formatDistinguishedName matches openssl -nameopt RFC2253", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
  });
  after(() => o.cleanup());

  for (const [i, row] of rows.entries()) {
    it(row.name, () => {
      o.write(`n${i}.cnf`, buildNameConfig(row.rdns, "name"));
      o.write(`c${i}.cnf`, buildNameConfig(row.rdns, "csr"));
      o.run("asn1parse", "-genconf", `n${i}.cnf`, "-noout", "-out", `n${i}.der`);
      o.run("asn1parse", "-genconf", `c${i}.cnf`, "-noout", "-out", `c${i}.der`);
      // openssl prints the Name of a request it parsed; the signature is never checked for -subject.
      const printed = o.run("req", "-inform", "DER", "-in", `c${i}.der`, "-noout", "-subject", "-nameopt", "RFC2253").trim().replace(/^subject=/, "");
      const got = formatDistinguishedName(o.read(`n${i}.der`));
      assert.equal(got, printed);
      if (row.want !== "") assert.equal(got, row.want);
      else assert.doesNotMatch(got, /[0-9]=#/, "every attribute got a short name");
    });
  }
});

describe("formatDistinguishedName on malformed names", () => {
  it("throws ERR_DER_INVALID for truncation, trailing bytes and empty RDNs", () => {
    const good = Buffer.from("300f310d300b06035504030c0461626364", "hex");
    assert.equal(formatDistinguishedName(good), "CN=abcd");
    for (const bad of [good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), Buffer.from("30023100", "hex"), Buffer.from("3100", "hex")]) {
      assert.throws(() => formatDistinguishedName(bad), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_DER_INVALID);
    }
  });

  it("odd-length BMPString is dumped as #hex, not thrown", () => {
    assert.equal(formatDistinguishedName(Buffer.from("300c310a300806035504031e0141", "hex")), "CN=#1E0141");
  });

  it("random bytes never throw anything but CertdoctorError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          formatDistinguishedName(bytes);
        } catch (e) {
          if (!(e instanceof CertdoctorError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
