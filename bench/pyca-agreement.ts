/**
 * Field-by-field agreement with pyca/cryptography: every certificate of the given inputs is parsed by
 * certdoctor (src/pki/x509.ts) and by pyca/cryptography (bench/pyca-fields.py, the installed python3
 * package), and each field both give is compared. Inputs are a limbo.json (its certificates) and/or
 * directories of PEM files (pyca's vectors/cryptography_vectors/x509 from a mirror, the CT test data).
 * Nothing is committed from them; without python3 cryptography or inputs the script says so and exits 0.
 *
 *   node dist/bench/pyca-agreement.js /tmp/limbo.json DIR... [--show-disagreements]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CertRecord } from "../src/model/cert.js";
import { scanPem } from "../src/pki/pem.js";
import { parseCertificate, serialToDecimal } from "../src/pki/x509.js";
import { findRepoRoot } from "../test/support/fixtures.js";
import { pemsOf } from "./pem-inputs.js";

type Fields = Record<string, unknown>;

/** certdoctor's view in pyca's vocabulary (pyca-fields.py), or { error } when certdoctor cannot read it. */
function certdoctorFields(pem: string): Fields {
  const block = scanPem(pem, 1 << 20).blocks[0];
  if (block === undefined) return { error: "no PEM block" };
  let r: CertRecord;
  let signatureOid: string;
  try {
    const parsed = parseCertificate(block.der);
    r = parsed.record;
    signatureOid = parsed.material.signatureOid;
  } catch (err) {
    return { error: (err as Error).message };
  }
  const f: Fields = {
    version: r.version,
    serial: serialToDecimal(r.serialNumber),
    notBefore: Math.floor(r.notBefore / 1000),
    notAfter: Math.floor(r.notAfter / 1000),
    isCA: r.isCA,
    pathLength: r.pathLength ?? null,
    dnsNames: r.dnsNames,
    ipAddresses: r.ipAddresses,
    emailAddresses: r.emailAddresses,
    uris: r.uris,
    keyType: r.keyType,
    signatureOid,
  };
  if (r.keyType !== "Ed25519" && r.keyType !== "Ed448") f.keySize = r.keySize;
  if (r.subjectKeyId !== undefined) f.subjectKeyId = r.subjectKeyId.replace(/:/g, "").toLowerCase();
  if (r.authorityKeyId !== undefined) f.authorityKeyId = r.authorityKeyId.replace(/:/g, "").toLowerCase();
  return f;
}

function main(): void {
  const args = process.argv.slice(2);
  const show = args.includes("--show-disagreements");
  const inputs = args.filter((a) => !a.startsWith("--") && existsSync(a));
  if (inputs.length === 0) {
    console.log("no inputs found (limbo.json or PEM directories): skipped");
    return;
  }
  const certs = inputs.flatMap(pemsOf);
  let pyca: Fields[];
  try {
    const out = execFileSync("python3", [join(findRepoRoot(), "bench", "pyca-fields.py")], { input: JSON.stringify(certs.map((c) => c.pem)), encoding: "utf8", maxBuffer: 256 << 20 });
    pyca = JSON.parse(out) as Fields[];
  } catch (err) {
    console.log(`python3 with cryptography is not available: skipped (${(err as Error).message.split("\n")[0]})`);
    return;
  }
  const perField = new Map<string, { both: number; agree: number }>();
  let bothRead = 0;
  let onlyPyca = 0;
  let onlyUs = 0;
  certs.forEach((c, i) => {
    const theirs = pyca[i]!;
    const ours = certdoctorFields(c.pem);
    if ("error" in theirs || "error" in ours) {
      if (!("error" in theirs)) onlyPyca++;
      if (!("error" in ours)) onlyUs++;
      if (show) console.log(`${c.name}: certdoctor ${String(ours.error ?? "reads it")} / pyca ${String(theirs.error ?? "reads it")}`);
      return;
    }
    bothRead++;
    for (const [field, value] of Object.entries(theirs)) {
      if (!(field in ours) || field.endsWith("Error")) continue;
      const t = perField.get(field) ?? { both: 0, agree: 0 };
      perField.set(field, t);
      t.both++;
      if (JSON.stringify(ours[field]) === JSON.stringify(value)) t.agree++;
      else if (show) console.log(`${c.name} ${field}: certdoctor ${JSON.stringify(ours[field])} / pyca ${JSON.stringify(value)}`);
    }
  });
  const neither = certs.length - bothRead - onlyPyca - onlyUs;
  console.log(`${certs.length} certificates; both read ${bothRead}; only pyca reads ${onlyPyca}; only certdoctor reads ${onlyUs}; neither ${neither}\n`);
  console.log("| field | compared | agree |");
  console.log("| --- | ---: | ---: |");
  for (const [field, t] of perField) console.log(`| ${field} | ${t.both} | ${((100 * t.agree) / t.both).toFixed(1)}% |`);
}

main();
