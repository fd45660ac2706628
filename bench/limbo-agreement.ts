/**
 * Agreement with C2SP x509-limbo: for every limbo testcase certdoctor can express as a Go Verify call
 * (roots, intermediates, time, hostname, key usages), compares certdoctor's goVerify verdict with limbo's
 * expected_result and with Go's own crypto/x509 (test/go-oracle, the installed Go), by category (the
 * testcase id's namespace). Cases out of scope are counted with the reason. Limbo's data is never
 * committed: pass the limbo.json path (compile it with bench/limbo-compile.py from a fetched
 * github:C2SP/x509-limbo mirror); without it the script says so and exits 0.
 *
 *   node dist/bench/limbo-agreement.js /tmp/limbo-src/limbo.json [--show-disagreements]
 */
import { existsSync, readFileSync } from "node:fs";
import { askGo, type OracleRequest } from "../test/support/go-oracle.js";
import type { ParsedCert } from "../src/model/cert.js";
import { goVerify, type GoKeyUsage } from "../src/pki/go-verify.js";
import { firstGoParseError } from "../src/pki/cert-problems.js";
import { scanPem } from "../src/pki/pem.js";
import { verifySignature } from "../src/pki/verify.js";
import { parseCertificate } from "../src/pki/x509.js";

interface LimboCase {
  id: string;
  features?: string[];
  validation_kind: "SERVER" | "CLIENT";
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  signature_algorithms: string[];
  key_usage: string[];
  extended_key_usage: string[];
  expected_result: "SUCCESS" | "FAILURE";
  expected_peer_name: { kind: string; value: string } | null;
  expected_peer_names: unknown[];
  max_chain_depth: number | null;
  crls?: string[];
}

const EKU: Record<string, GoKeyUsage> = { serverAuth: "serverAuth", clientAuth: "clientAuth", anyExtendedKeyUsage: "any" };

/** Why certdoctor cannot pose this case as a Go Verify call, or undefined when it can. */
export function outOfScope(c: LimboCase): string | undefined {
  if ((c.crls ?? []).length > 0 || c.features?.includes("has-crl")) return "revocation (CRLs): certdoctor does not check revocation";
  if (c.max_chain_depth !== null) return "max_chain_depth: Go's Verify has no such option";
  if (c.signature_algorithms.length > 0) return "signature algorithm policy: Go's Verify has no such option";
  if (c.key_usage.length > 0) return "keyUsage policy: Go's Verify does not check the leaf's keyUsage";
  if (c.extended_key_usage.some((e) => EKU[e] === undefined)) return "EKU other than serverAuth/clientAuth/any";
  if (c.expected_peer_name !== null && c.expected_peer_name.kind !== "DNS" && c.expected_peer_name.kind !== "IP") return `peer name of kind ${c.expected_peer_name.kind}: Go's Verify checks only DNS and IP`;
  if (c.expected_peer_names.length > 0) return "several peer names";
  return undefined;
}

function parsePem(text: string): ParsedCert | undefined {
  const block = scanPem(text, 1 << 20).blocks[0];
  if (block === undefined) return undefined;
  try {
    return parseCertificate(block.der);
  } catch {
    return undefined;
  }
}

function usagesOf(c: LimboCase): GoKeyUsage[] {
  if (c.extended_key_usage.length > 0) return c.extended_key_usage.map((e) => EKU[e]!);
  return c.validation_kind === "CLIENT" ? ["clientAuth"] : ["serverAuth"];
}

function nowOf(c: LimboCase, fallback: number): number {
  return c.validation_time === null ? fallback : Date.parse(c.validation_time);
}

/** certdoctor's verdict: "" when it accepts, else the Go error text it predicts. */
export function certdoctorSays(c: LimboCase, now: number): string {
  const leaf = parsePem(c.peer_certificate);
  if (leaf === undefined) return "certdoctor cannot read the leaf";
  // A certificate Go refuses to parse is a cert-malformed finding whose goError is Go's parse error.
  const leafRefused = firstGoParseError(leaf.record.problems);
  if (leafRefused !== undefined) return leafRefused;
  for (const [prefix, texts] of [["root", c.trusted_certs], ["intermediate", c.untrusted_intermediates]] as const) {
    for (const t of texts) {
      const refused = firstGoParseError(parsePem(t)?.record.problems);
      if (refused !== undefined) return `${prefix}: ${refused}`;
    }
  }
  const load = (texts: string[]) => texts.map(parsePem).filter((p): p is ParsedCert => p !== undefined);
  const opts = {
    roots: load(c.trusted_certs),
    intermediates: load(c.untrusted_intermediates),
    now,
    keyUsages: usagesOf(c),
    signatureVerifies: (child: ParsedCert, parent: ParsedCert) => verifySignature(child.material, parent.material.spki),
  };
  const result = goVerify(leaf, c.expected_peer_name === null ? opts : { ...opts, dnsName: c.expected_peer_name.value });
  return result.ok ? "" : result.error.message;
}

interface Tally {
  cases: number;
  withLimbo: number;
  withGo: number;
  goWithLimbo: number;
}

function main(): void {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith("--"));
  if (path === undefined || !existsSync(path)) {
    console.log(`limbo.json not found (${path ?? "no path given"}): skipped. Compile it with bench/limbo-compile.py from a fetched github:C2SP/x509-limbo.`);
    return;
  }
  const show = args.includes("--show-disagreements");
  const all = (JSON.parse(readFileSync(path, "utf8")) as { testcases: LimboCase[] }).testcases;
  const fallbackNow = Date.now();
  const outOf = new Map<string, number>();
  const inScope: LimboCase[] = [];
  for (const c of all) {
    const why = outOfScope(c);
    if (why === undefined) inScope.push(c);
    else outOf.set(why, (outOf.get(why) ?? 0) + 1);
  }
  const requests: OracleRequest[] = inScope.map((c) => ({
    op: "verify",
    leaf: c.peer_certificate,
    roots: c.trusted_certs,
    intermediates: c.untrusted_intermediates,
    now: new Date(nowOf(c, fallbackNow)).toISOString().replace(/\.\d{3}Z$/, "Z"),
    ...(c.expected_peer_name === null ? {} : { dnsName: c.expected_peer_name.value }),
    usages: usagesOf(c),
  }));
  const goSays = askGo(requests);
  const byCategory = new Map<string, Tally>();
  const total: Tally = { cases: 0, withLimbo: 0, withGo: 0, goWithLimbo: 0 };
  inScope.forEach((c, i) => {
    const ours = certdoctorSays(c, nowOf(c, fallbackNow));
    const go = goSays[i]!;
    const category = c.id.split("::")[0]!;
    const t = byCategory.get(category) ?? { cases: 0, withLimbo: 0, withGo: 0, goWithLimbo: 0 };
    byCategory.set(category, t);
    const limboOk = c.expected_result === "SUCCESS";
    for (const tally of [t, total]) {
      tally.cases++;
      if ((ours === "") === limboOk) tally.withLimbo++;
      if (ours === go) tally.withGo++;
      if ((go === "") === limboOk) tally.goWithLimbo++;
    }
    if (show && (ours !== go || (ours === "") !== limboOk)) {
      console.log(`${c.id} limbo=${c.expected_result}\n  certdoctor: ${ours || "(accepts)"}\n  Go 1.19:    ${go || "(accepts)"}`);
    }
  });
  const pct = (n: number, d: number) => (d === 0 ? "-" : `${((100 * n) / d).toFixed(1)}%`);
  console.log(`x509-limbo: ${all.length} testcases, ${inScope.length} in scope\n`);
  console.log("| category | cases | certdoctor = limbo | certdoctor = Go (exact error text) | Go = limbo |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, t] of [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`| ${name} | ${t.cases} | ${pct(t.withLimbo, t.cases)} | ${pct(t.withGo, t.cases)} | ${pct(t.goWithLimbo, t.cases)} |`);
  }
  console.log(`| **all** | ${total.cases} | ${pct(total.withLimbo, total.cases)} | ${pct(total.withGo, total.cases)} | ${pct(total.goWithLimbo, total.cases)} |`);
  console.log("\nOut of scope:");
  for (const [why, n] of outOf) console.log(`- ${n}: ${why}`);
}

main();
