/**
 * Differential test: for chains openssl makes, one per rule of Go's Verify, certdoctor's goVerify must
 * return exactly the error string Go's crypto/x509 returns (test/go-oracle, built with the installed Go).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { askGo } from "../../test/support/go-oracle.js";
import type { ParsedCert } from "../model/cert.js";
import { scanPem } from "./pem.js";
import { goVerify, type GoKeyUsage } from "./go-verify.js";
import { verifySignature } from "./verify.js";
import { parseCertificate } from "./x509.js";

const DAY = 86_400_000;

interface Case {
  name: string;
  leaf: string;
  roots: string[];
  intermediates?: string[];
  /** Days after the certificates were made. */
  at?: number;
  dnsName?: string;
  usages?: GoKeyUsage[];
  /** A word certdoctor's error must contain, so a case that silently passes on both sides still fails. */
  want: string;
}

describe("goVerify agrees with Go's crypto/x509 Verify", () => {
  let o: OpensslDir;
  const made = Date.now();
  /** Issues NAME.crt from CA (or self-signed when ca is undefined) with the given extension lines. */
  const issue = (name: string, ca: string | undefined, ext: string[], opts: { subject?: string; days?: number; key?: "ec" | "rsa"; md?: string } = {}) => {
    const keyArgs = opts.key === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    o.write(`${name}.ext`, ext.join("\n") + "\n");
    o.run("req", "-new", ...keyArgs, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", opts.subject ?? `/CN=${name}`);
    const signer = ca === undefined ? ["-signkey", `${name}.key`] : ["-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial"];
    o.run("x509", "-req", "-in", `${name}.csr`, ...signer, "-days", String(opts.days ?? 90), "-extfile", `${name}.ext`, "-out", `${name}.crt`, `-${opts.md ?? "sha256"}`);
  };
  const CA = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];
  const LEAF = (san = "DNS:svc.example.com") => ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", `subjectAltName=${san}`, "authorityKeyIdentifier=keyid"];

  before(() => {
    o = makeOpensslDir("certdoctor-goverify-");
    issue("root", undefined, CA);
    issue("root-twin", undefined, CA, { subject: "/CN=root" }); // same name, other key
    issue("leaf", "root", LEAF("DNS:svc.example.com,DNS:svc.ns.svc,IP:10.0.0.7"));
    issue("inter", "root", CA, { days: 1 });
    issue("leaf-via-inter", "inter", LEAF());
    issue("inter-client", "root", [...CA, "extendedKeyUsage=clientAuth"]);
    issue("leaf-via-client-inter", "inter-client", LEAF());
    issue("client", "root", ["basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth", "subjectAltName=DNS:client"]);
    issue("not-ca", "root", ["basicConstraints=CA:FALSE", "subjectKeyIdentifier=hash"]);
    issue("leaf-via-not-ca", "not-ca", LEAF());
    issue("no-certsign", undefined, ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature"]);
    issue("leaf-via-no-certsign", "no-certsign", LEAF());
    issue("root-pathlen0", undefined, ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign"]);
    issue("inter-under-pathlen0", "root-pathlen0", CA);
    issue("leaf-under-pathlen0", "inter-under-pathlen0", LEAF());
    issue("root-nc", undefined, [...CA, "nameConstraints=critical,permitted;DNS:example.com,excluded;DNS:bad.example.com,permitted;IP:10.0.0.0/255.0.0.0"]);
    issue("leaf-nc-other", "root-nc", LEAF("DNS:svc.other.org"));
    issue("leaf-nc-excluded", "root-nc", LEAF("DNS:x.bad.example.com"));
    issue("leaf-nc-ip", "root-nc", LEAF("DNS:a.example.com,IP:192.168.1.1"));
    issue("leaf-critical", "root", [...LEAF(), "1.2.3.4=critical,ASN1:UTF8String:custom"]);
    issue("leaf-cn-only", "root", ["basicConstraints=CA:FALSE"], { subject: "/CN=legacy.example.com" });
    issue("root-rsa", undefined, CA, { key: "rsa" });
    issue("leaf-sha1", "root-rsa", LEAF(), { md: "sha1" });
    issue("root-o-only", undefined, CA, { subject: "/O=Example Org" });
    issue("root-o-only-twin", undefined, CA, { subject: "/O=Example Org" });
    issue("leaf-o-only", "root-o-only", LEAF());
  });
  after(() => o.cleanup());

  const pem = (name: string) => o.readText(`${name}.crt`);
  const cases: Case[] = [
    { name: "healthy chain", leaf: "leaf", roots: ["root"], want: "" },
    { name: "expired leaf", leaf: "leaf", roots: ["root"], at: 200, want: "is after" },
    { name: "not yet valid", leaf: "leaf", roots: ["root"], at: -2, want: "is before" },
    { name: "expired intermediate: Go returns the intermediate's expiry, not unknown authority", leaf: "leaf-via-inter", roots: ["root"], intermediates: ["inter"], at: 10, want: "is after" },
    { name: "intermediate not sent", leaf: "leaf-via-inter", roots: ["root"], want: "unknown authority" },
    { name: "same-name CA with another key: hint names the signature failure", leaf: "leaf", roots: ["root-twin"], want: "ECDSA verification failure" },
    { name: "both the real CA and its twin as roots", leaf: "leaf", roots: ["root-twin", "root"], want: "" },
    { name: "issuer is not a CA (CA:FALSE)", leaf: "leaf-via-not-ca", roots: ["root"], intermediates: ["not-ca"], want: "cannot sign this kind" },
    { name: "issuer's keyUsage lacks keyCertSign", leaf: "leaf-via-no-certsign", roots: ["no-certsign"], want: "cannot sign this kind" },
    { name: "path length exceeded", leaf: "leaf-under-pathlen0", roots: ["root-pathlen0"], intermediates: ["inter-under-pathlen0"], want: "too many intermediates" },
    { name: "client certificate used as a server", leaf: "client", roots: ["root"], want: "incompatible key usage" },
    { name: "client certificate verified for clientAuth", leaf: "client", roots: ["root"], usages: ["clientAuth"], want: "" },
    { name: "intermediate's EKU restricts the leaf (nested EKU)", leaf: "leaf-via-client-inter", roots: ["root"], intermediates: ["inter-client"], want: "incompatible key usage" },
    { name: "any usage accepts it", leaf: "leaf-via-client-inter", roots: ["root"], intermediates: ["inter-client"], usages: ["any"], want: "" },
    { name: "DNS name outside the permitted subtree", leaf: "leaf-nc-other", roots: ["root-nc"], want: "not permitted by any constraint" },
    { name: "DNS name in an excluded subtree", leaf: "leaf-nc-excluded", roots: ["root-nc"], want: "excluded by constraint" },
    { name: "IP outside the permitted range", leaf: "leaf-nc-ip", roots: ["root-nc"], want: "IP address" },
    { name: "unhandled critical extension", leaf: "leaf-critical", roots: ["root"], want: "unhandled critical extension" },
    { name: "hostname not among the DNS SANs", leaf: "leaf", roots: ["root"], dnsName: "other.example.com", want: "is valid for" },
    { name: "hostname matches a SAN case-insensitively", leaf: "leaf", roots: ["root"], dnsName: "SVC.example.com", want: "" },
    { name: "IP host not among the IP SANs", leaf: "leaf", roots: ["root"], dnsName: "10.0.0.8", want: "is valid for 10.0.0.7" },
    { name: "IP host and no IP SANs", leaf: "leaf-via-inter", roots: ["root"], intermediates: ["inter"], dnsName: "10.0.0.8", want: "doesn't contain any IP SANs" },
    { name: "only a CN: Go refuses the legacy field", leaf: "leaf-cn-only", roots: ["root"], dnsName: "legacy.example.com", want: "legacy Common Name" },
    { name: "SHA-1 signature: insecure algorithm hint", leaf: "leaf-sha1", roots: ["root-rsa"], want: "insecure algorithm SHA1-RSA" },
    { name: "hint names a CA without CN by its O", leaf: "leaf-o-only", roots: ["root-o-only-twin"], want: "Example Org" },
    { name: "leaf is itself a root", leaf: "leaf", roots: ["leaf"], want: "" },
    { name: "expired root", leaf: "leaf", roots: ["root"], at: 370, want: "is after" },
  ];

  it("every case gives Go's exact error string", () => {
    const parsed = new Map<string, ParsedCert>();
    const load = (name: string): ParsedCert => {
      let p = parsed.get(name);
      if (p === undefined) {
        const block = scanPem(pem(name), 1 << 20).blocks[0]!;
        parsed.set(name, (p = parseCertificate(block.der)));
      }
      return p;
    };
    const nowOf = (c: Case) => made + (c.at ?? 1) * DAY;
    const goSays = askGo(
      cases.map((c) => ({
        op: "verify" as const,
        leaf: pem(c.leaf),
        roots: c.roots.map(pem),
        intermediates: (c.intermediates ?? []).map(pem),
        now: new Date(nowOf(c)).toISOString().replace(/\.\d{3}Z$/, "Z"),
        ...(c.dnsName === undefined ? {} : { dnsName: c.dnsName }),
        usages: c.usages ?? [],
      })),
    );
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const opts = {
        roots: c.roots.map(load),
        intermediates: (c.intermediates ?? []).map(load),
        now: Math.floor(nowOf(c) / 1000) * 1000,
        keyUsages: c.usages ?? [],
        signatureVerifies: (child: ParsedCert, parent: ParsedCert) => verifySignature(child.material, parent.material.spki),
      };
      const result = goVerify(load(c.leaf), c.dnsName === undefined ? opts : { ...opts, dnsName: c.dnsName });
      const ours = result.ok ? "" : result.error.message;
      if (ours !== goSays[i]) mismatches.push(`${c.name}:\n  certdoctor: ${ours}\n  Go:         ${goSays[i]}`);
      else if (!ours.includes(c.want)) mismatches.push(`${c.name}: both say ${JSON.stringify(ours)}, expected it to mention ${JSON.stringify(c.want)}`);
    });
    if (process.env.SHOW_GO) console.log(goSays.join("\n"));
    assert.deepEqual(mismatches, []);
  });
});
