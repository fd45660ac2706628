/**
 * Lenient parsing, strict judgement: certificates with readable DER/RFC 5280 violations (made by editing
 * an openssl certificate's DER) stay in the inventory, get a cert-malformed finding, and the finding says
 * exactly what Go's x509.ParseCertificate says (test/go-oracle). Plus a property test: any such edit
 * of any field is either parsed or rejected with a CertdoctorError, never a crash.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError } from "../../src/errors.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";
import { askGo } from "../support/go-oracle.js";
import { decode, encode, type Node } from "../support/der-edit.js";
import { parseCertificate } from "../../src/pki/x509.js";
import { firstGoParseError } from "../../src/pki/cert-problems.js";
import { encodePem } from "../../src/pki/pem.js";
import { execFileSync } from "node:child_process";
import { Inventory } from "../../src/inventory/inventory.js";
import { certMalformed } from "../../src/rules/cert-malformed.js";

/** Minor version of the installed Go (19 for go1.19.8). */
function goVersionOf(): number {
  const m = /go1\.(\d+)/.exec(execFileSync("go", ["version"], { encoding: "utf8" }));
  return m ? Number(m[1]) : 0;
}

const ext = (oid: number[], value: Buffer, critical = false): Node => ({
  tag: 0x30,
  kids: [{ tag: 0x06, bytes: Buffer.from(oid) }, ...(critical ? [{ tag: 0x01, bytes: Buffer.from([0xff]) }] : []), { tag: 0x04, bytes: value }],
});
const SAN_OID = [0x55, 0x1d, 0x11];
const san = (...names: Node[]): Node => ext(SAN_OID, encode({ tag: 0x30, kids: names }));

describe("cert-malformed", () => {
  let o: OpensslDir;
  let base: Buffer;
  let rsaBase: Buffer;
  before(() => {
    o = makeOpensslDir("certdoctor-malformed-");
    o.makeCa("ca", "/O=Example/CN=Example CA");
    o.makeLeaf("leaf", "ca", "/CN=leaf", "DNS:leaf.example.com");
    o.toDer("leaf.crt", "leaf.der");
    base = o.read("leaf.der");
    o.makeLeaf("rsaleaf", "ca", "/CN=rsaleaf", "DNS:rsa.example.com", "rsa");
    o.toDer("rsaleaf.crt", "rsaleaf.der");
    rsaBase = o.read("rsaleaf.der");
  });
  after(() => o.cleanup());

  /** Edits the decoded certificate [tbs, sigAlg, sig] in place and re-encodes it. */
  const edit = (fn: (cert: Node[]) => void, from = base): Buffer => {
    const root = decode(from)[0]!;
    fn(root.kids!);
    return encode(root);
  };
  const tbsOf = (cert: Node[]) => cert[0]!.kids!;
  const extsOf = (cert: Node[]) => tbsOf(cert).find((k) => k.tag === 0xa3)!.kids![0]!.kids!;

  const rows: Array<{ name: string; make: () => Buffer; problem: string }> = [
    {
      name: "inner and outer signature algorithms differ",
      make: () => edit((c) => (c[1] = { tag: 0x30, kids: [{ tag: 0x06, bytes: Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]) }] })),
      problem: "sig-alg-mismatch",
    },
    { name: "repeated extension", make: () => edit((c) => extsOf(c).push(extsOf(c)[0]!)), problem: "duplicate-extension" },
    {
      name: "non-minimal length in a name attribute",
      make: () => edit((c) => (tbsOf(c)[3]!.kids![0]!.kids![0]!.kids![1]!.longLength = true)),
      problem: "non-minimal-length",
    },
    { name: "negative serial number", make: () => edit((c) => (tbsOf(c)[1] = { tag: 0x02, bytes: Buffer.from([0xff, 0x01]) })), problem: "negative-serial" },
    {
      name: "UTF-8 bytes in a DNS SAN",
      make: () => edit((c) => { const e = extsOf(c); e[e.findIndex((x) => x.kids![0]!.bytes!.equals(Buffer.from(SAN_OID)))] = san({ tag: 0x82, bytes: Buffer.from("bücher.example", "utf8") }); }),
      problem: "dns-san-not-ia5",
    },
    {
      name: "IP SAN of 3 bytes",
      make: () => edit((c) => { const e = extsOf(c); e[e.findIndex((x) => x.kids![0]!.bytes!.equals(Buffer.from(SAN_OID)))] = san({ tag: 0x87, bytes: Buffer.from([10, 0, 0]) }); }),
      problem: "ip-san-length:3",
    },
    {
      name: "SAN whose name runs past the end of the extension",
      make: () => edit((c) => { const e = extsOf(c); e[e.findIndex((x) => x.kids![0]!.bytes!.equals(Buffer.from(SAN_OID)))] = ext(SAN_OID, Buffer.from([0x30, 0x03, 0x82, 0x05, 0x61])); }),
      problem: "malformed-san-name",
    },
    {
      name: "name constraint iPAddress without its mask (4 bytes)",
      make: () => edit((c) => extsOf(c).push(ext([0x55, 0x1d, 0x1e], encode({ tag: 0x30, kids: [{ tag: 0xa0, kids: [{ tag: 0x30, kids: [{ tag: 0x87, bytes: Buffer.from([10, 0, 0, 0]) }] }] }] }), true))),
      problem: "nc-ip-length:4",
    },
    {
      name: "unused (zero) bits in the signature",
      make: () => edit((c) => { const b = c[2]!.bytes!; b[0] = 1; b[b.length - 1]! &= 0xfe; }),
      problem: "signature-unused-bits",
    },
    {
      name: "unused bits in the signature that are not zero",
      make: () => edit((c) => { const b = c[2]!.bytes!; b[0] = 1; b[b.length - 1]! |= 1; }),
      problem: "signature-padding",
    },
    { name: "UTCTime without seconds", make: () => edit((c) => setNotBefore(c, "2601011200Z")), problem: "utctime-no-seconds" },
    { name: "UTCTime with a +0130 offset", make: () => edit((c) => setNotBefore(c, "260101120000+0130")), problem: "utctime-offset" },
    { name: "UTCTime ending in +0000", make: () => edit((c) => setNotBefore(c, "260101120000+0000")), problem: "utctime-zero-offset" },
    { name: "serial with a redundant leading zero", make: () => edit((c) => (tbsOf(c)[1] = { tag: 0x02, bytes: Buffer.from([0x00, 0x01]) })), problem: "serial-not-minimal" },
    { name: "negative serial with a redundant leading ff", make: () => edit((c) => (tbsOf(c)[1] = { tag: 0x02, bytes: Buffer.from([0xff, 0xd5, 0x01]) })), problem: "serial-not-minimal" },
    { name: "RSA modulus encoded as a negative number", make: () => edit((c) => editRsaKey(c, (n) => n.subarray(1)), rsaBase), problem: "rsa-modulus-not-positive" },
    {
      name: "RSA modulus not positive, and a non-DER BOOLEAN in a later extension",
      make: () => edit((c) => { editRsaKey(c, (n) => n.subarray(1)); extsOf(c).push(ext([0x55, 0x1d, 0x13], Buffer.from([0x30, 0x00]), true)); extsOf(c).at(-1)!.kids![1]!.bytes = Buffer.from([0x01]); }, rsaBase),
      problem: "rsa-modulus-not-positive",
    },
    { name: "RSA exponent with a redundant leading zero", make: () => edit((c) => editRsaKey(c, (n) => n, (e) => Buffer.concat([Buffer.from([0]), e])), rsaBase), problem: "rsa-exponent-not-minimal" },
    { name: "invalid UTF-8 in a UTF8String subject", make: () => edit((c) => setSubjectValue(c, { tag: 0x0c, bytes: Buffer.from([0x41, 0xff]) })), problem: "name-string-invalid:invalid UTF-8 string" },
    { name: "an underscore in a PrintableString subject", make: () => edit((c) => setSubjectValue(c, { tag: 0x13, bytes: Buffer.from("a_b") })), problem: "name-string-invalid:invalid PrintableString" },
    { name: "non-ASCII in an IA5String subject", make: () => edit((c) => setSubjectValue(c, { tag: 0x16, bytes: Buffer.from("bücher", "utf8") })), problem: "name-string-invalid:invalid IA5String" },
    { name: "a UniversalString subject", make: () => edit((c) => setSubjectValue(c, { tag: 0x1c, bytes: Buffer.from([0, 0, 0, 0x41]) })), problem: "name-string-invalid:unsupported string type: 28" },
    {
      name: "a NUL inside a URI SAN",
      make: () => edit((c) => { const e = extsOf(c); e[e.findIndex((x) => x.kids![0]!.bytes!.equals(Buffer.from(SAN_OID)))] = san({ tag: 0x86, bytes: Buffer.from('http://a.example\0"x\\y\n') }); }),
      problem: 'uri-san-control:"http://a.example\\x00\\"x\\\\y\\n"',
    },
    { name: "name constraints with neither subtree", make: () => edit((c) => extsOf(c).push(ext([0x55, 0x1d, 0x1e], encode({ tag: 0x30, kids: [] }), true))), problem: "nc-empty" },
    { name: "an authorityInfoAccess that is not a SEQUENCE", make: () => edit((c) => extsOf(c).push(ext([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01], Buffer.from([0x04, 0x00])))), problem: "aia-malformed" },
    { name: "an EC key on P-192", make: () => edit((c) => (tbsOf(c)[6]!.kids![0]!.kids![1] = { tag: 0x06, bytes: Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01]) })), problem: "ec-curve-unsupported" },
    {
      name: "a compressed EC point",
      make: () => edit((c) => { const bits = tbsOf(c)[6]!.kids![1]!; bits.bytes = Buffer.concat([Buffer.from([0x00, 0x02]), bits.bytes!.subarray(2, 34)]); }),
      problem: "ec-point-invalid",
    },
    {
      name: "name constraint iPAddress with a non-contiguous mask",
      make: () => edit((c) => extsOf(c).push(ext([0x55, 0x1d, 0x1e], encode({ tag: 0x30, kids: [{ tag: 0xa0, kids: [{ tag: 0x30, kids: [{ tag: 0x87, bytes: Buffer.from([10, 0, 0, 0, 0xff, 0x00, 0xff, 0x00]) }] }] }] }), true))),
      problem: "nc-ip-mask:ff00ff00",
    },
    {
      name: "a DSA key that inherits its parameters",
      make: () => edit((c) => (tbsOf(c)[6] = { tag: 0x30, kids: [{ tag: 0x30, kids: [{ tag: 0x06, bytes: Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]) }] }, { tag: 0x03, bytes: Buffer.from([0x00, 0x02, 0x01, 0x05]) }] })),
      problem: "dsa-params-inherited",
    },
    {
      name: "a CRL distribution point named relative to the CRL issuer",
      make: () => edit((c) => extsOf(c).push(ext([0x55, 0x1d, 0x1f], encode({ tag: 0x30, kids: [{ tag: 0x30, kids: [{ tag: 0xa0, kids: [{ tag: 0xa1, kids: [{ tag: 0x30, kids: [{ tag: 0x06, bytes: Buffer.from([0x55, 0x04, 0x03]) }, { tag: 0x0c, bytes: Buffer.from("crl") }] }] }] }] }] })))),
      problem: "crl-dp-unreadable",
    },
    { name: "CRL distribution points that are not a SEQUENCE", make: () => edit((c) => extsOf(c).push(ext([0x55, 0x1d, 0x1f], Buffer.from([0x04, 0x00])))), problem: "crl-dp-malformed" },
    {
      name: "an extension whose critical flag is encoded as FALSE",
      make: () => edit((c) => { const e = extsOf(c)[0]!; if (e.kids!.length === 3) e.kids![1] = { tag: 0x01, bytes: Buffer.from([0x00]) }; else e.kids!.splice(1, 0, { tag: 0x01, bytes: Buffer.from([0x00]) }); }),
      problem: "critical-false-encoded",
    },
    {
      name: "a subject attribute value with a high tag number",
      make: () => edit((c) => (tbsOf(c)[5]!.kids![0]!.kids![0] = { tag: 0x30, bytes: Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03, 0x5f, 0x20, 0x01, 0x41]) })),
      problem: "name-value-high-tag",
    },
    {
      name: "a subject attribute of an unknown type whose value is not a string",
      make: () => edit((c) => (tbsOf(c)[5]!.kids![0]!.kids![0] = { tag: 0x30, kids: [{ tag: 0x06, bytes: Buffer.from([0x2a, 0x03, 0x04]) }, { tag: 0x30, kids: [] }] })),
      problem: "name-string-invalid:unsupported string type: 48",
    },
    {
      name: "invalid UTF-8 in the subject and a notBefore ending in +0000 (Go meets the time first)",
      make: () => edit((c) => { setSubjectValue(c, { tag: 0x0c, bytes: Buffer.from([0x41, 0xff]) }); setNotBefore(c, "260101120000+0000"); }),
      problem: "utctime-zero-offset",
    },
  ];
  const setNotBefore = (cert: Node[], text: string) => (tbsOf(cert)[4]!.kids![0] = { tag: 0x17, bytes: Buffer.from(text, "latin1") });
  const setSubjectValue = (cert: Node[], value: Node) => (tbsOf(cert)[5]!.kids![0]!.kids![0]!.kids![1] = value);
  /** Rewrites the RSAPublicKey's modulus and exponent INTEGER contents. */
  const editRsaKey = (cert: Node[], modulus: (n: Buffer) => Buffer, exponent: (e: Buffer) => Buffer = (e) => e) => {
    const bits = tbsOf(cert)[6]!.kids![1]!;
    const key = decode(bits.bytes!.subarray(1))[0]!;
    key.kids![0]!.bytes = modulus(key.kids![0]!.bytes!);
    key.kids![1]!.bytes = exponent(key.kids![1]!.bytes!);
    bits.bytes = Buffer.concat([Buffer.from([0]), encode(key)]);
  };

  it("keeps each certificate, records the problem and quotes Go's parse error", () => {
    const ders = rows.map((r) => r.make());
    const goSays = askGo(ders.map((d) => ({ op: "parse" as const, leaf: encodePem("CERTIFICATE", d) })));
    const goVersion = goVersionOf();
    const mismatches: string[] = [];
    rows.forEach((row, i) => {
      const parsed = parseCertificate(ders[i]!);
      const problems = parsed.record.problems ?? [];
      if (!problems.includes(row.problem)) mismatches.push(`${row.name}: problems ${JSON.stringify(problems)}`);
      const ours = firstGoParseError(problems) ?? "";
      const go = goSays[i]!;
      // A BER length's Go error names the structure it is in; certdoctor only claims Go refuses it.
      // Negative serials are refused from Go 1.23 on; an older oracle must still accept them.
      const agrees =
        row.problem === "non-minimal-length"
          ? go.startsWith("x509: ") && ours !== ""
          : row.problem === "negative-serial" && goVersion < 23
            ? go === "" && ours === "x509: negative serial number"
            : ours === go;
      if (!agrees) mismatches.push(`${row.name}:\n  certdoctor: ${ours}\n  Go:         ${go}`);
      if (row.name.startsWith("UTF-8")) assert.deepEqual(parsed.record.dnsNames, ["bücher.example"]);
      if (row.name === "negative serial number") assert.equal(parsed.record.serialNumber, "-ff"); // -255, as openssl x509 -serial prints it (lowercase)
      if (row.name.includes("+0130")) assert.equal(new Date(parsed.record.notBefore).toISOString(), "2026-01-01T10:30:00.000Z");
      if (row.name.includes("without seconds")) assert.equal(new Date(parsed.record.notBefore).toISOString(), "2026-01-01T12:00:00.000Z");
    });
    assert.deepEqual(mismatches, []);
  });

  it("reads PrintableString values with '*' and '&' as Go does, without a problem", () => {
    const der = edit((c) => setSubjectValue(c, { tag: 0x13, bytes: Buffer.from("*.example & co") }));
    assert.equal(parseCertificate(der).record.problems, undefined);
    assert.equal(askGo([{ op: "parse", leaf: encodePem("CERTIFICATE", der) }])[0], "");
  });

  it("keeps an openssl-made explicit-curve EC certificate, with the group order's size and Go's refusal", () => {
    o.run("ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey", "-noout", "-out", "explicit.key");
    o.run("req", "-x509", "-new", "-key", "explicit.key", "-subj", "/CN=explicit", "-days", "30", "-out", "explicit.crt");
    const pem = o.readText("explicit.crt");
    const record = parseCertificate(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64")).record;
    assert.equal(record.keyType, "EC");
    assert.equal(record.keySize, 256);
    assert.deepEqual(record.problems, ["ec-explicit-curve"]);
    assert.equal(firstGoParseError(record.problems), askGo([{ op: "parse", leaf: pem }])[0]);
  });

  it("reports them as findings, warning when Go refuses and info when Go reads it", () => {
    const certs = rows.map((r) => ({
      record: parseCertificate(r.make()).record,
      locations: [{ ref: `file:/x/${r.problem}.crt`, context: "dir:/x", anchor: false, backup: false }],
      backupOnly: false,
      issuers: [],
      rejectedIssuers: [],
    }));
    const findings = certMalformed.check(new Inventory(certs, [], [], [], []), { now: Date.now(), warnDays: 30, critDays: 7, maxChainLength: 10 });
    assert.equal(findings.length, rows.length);
    const bySeverity = findings.map((f) => `${f.locations[0]!.replace(/^file:\/x\/|\.crt$/g, "")}:${f.severity}`).sort();
    assert.deepEqual(bySeverity, [
      "dns-san-not-ia5:warning",
      "duplicate-extension:warning",
      "ip-san-length:3:warning",
      "malformed-san-name:warning",
      "name-string-invalid:invalid IA5String:warning",
      "name-string-invalid:invalid PrintableString:warning",
      "name-string-invalid:invalid UTF-8 string:warning",
      "name-string-invalid:unsupported string type: 28:warning",
      "nc-ip-length:4:warning",
      "negative-serial:warning",
      "non-minimal-length:warning",
      "rsa-exponent-not-minimal:warning",
      "rsa-modulus-not-positive:warning",
      "rsa-modulus-not-positive:warning",
      "serial-not-minimal:warning",
      "serial-not-minimal:warning",
      "sig-alg-mismatch:warning",
      "signature-padding:warning",
      "signature-unused-bits:info",
      'uri-san-control:"http://a.example\\x00\\"x\\\\y\\n":warning',
      "utctime-no-seconds:info",
      "utctime-offset:info",
      "utctime-zero-offset:warning",
    ].concat(["aia-malformed:warning", "ec-curve-unsupported:warning", "ec-point-invalid:warning", "nc-empty:warning"])
      .concat(["nc-ip-mask:ff00ff00:warning", "dsa-params-inherited:warning", "crl-dp-unreadable:warning", "crl-dp-malformed:warning", "critical-false-encoded:info"])
      .concat(["name-value-high-tag:warning", "name-string-invalid:unsupported string type: 48:warning", "utctime-zero-offset:warning"]).sort());
    assert.ok(findings.every((f) => f.severity === "info" || f.goError?.startsWith("x509: ")));
  });

  it("property: any byte edit of a real certificate parses or fails with a CertdoctorError", () => {
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, value, truncate) => {
        const der = Buffer.from(base);
        der[at] = value;
        const input = truncate ? der.subarray(0, at + 1) : der;
        try {
          parseCertificate(input);
        } catch (err) {
          assert.ok(err instanceof CertdoctorError, `not a CertdoctorError: ${String(err)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
