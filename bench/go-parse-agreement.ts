/**
 * Does certdoctor read what Go reads, and predict Go's exact error for what Go refuses? Every certificate
 * of the given inputs is parsed by certdoctor (src/pki/x509.ts: the cert-malformed finding's goError is
 * the first problem Go rejects) and by Go's x509.ParseCertificate (test/go-oracle, the installed Go).
 * "Dropped" counts certificates certdoctor cannot read at all although Go (or any reader) could.
 *
 *   node dist/bench/go-parse-agreement.js /tmp/limbo.json DIR... [--show-disagreements]
 */
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { certProblems, firstGoParseError } from "../src/pki/cert-problems.js";
import { scanPem } from "../src/pki/pem.js";
import { parseCertificate } from "../src/pki/x509.js";
import { askGo } from "../test/support/go-oracle.js";
import { pemsOf } from "./pem-inputs.js";

/** Refusals certdoctor predicts for newer Go than an older oracle has (cert-problems' goNote). */
const NEWER_GO_ONLY = new Map([[certProblems["negative-serial"]!.goRejects!, 23]]);

function goMinor(): number {
  const m = /go1\.(\d+)/.exec(execFileSync("go", ["version"], { encoding: "utf8" }));
  return m ? Number(m[1]) : 0;
}

type Verdict = { reads: true; goError: string } | { reads: false; error: string };

function certdoctorVerdict(pem: string): Verdict {
  const block = scanPem(pem, 1 << 20).blocks[0];
  if (block === undefined) return { reads: false, error: "no PEM block" };
  try {
    return { reads: true, goError: firstGoParseError(parseCertificate(block.der).record.problems) ?? "" };
  } catch (err) {
    return { reads: false, error: (err as Error).message };
  }
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
  const go = askGo(certs.map((c) => ({ op: "parse", leaf: c.pem })));
  const minor = goMinor();
  const tally = { goReads: 0, goRefuses: 0, exact: 0, readsWhatGoReads: 0, predictsRefusal: 0, dropped: 0, droppedGoReads: 0, newerGo: 0 };
  certs.forEach((c, i) => {
    const goError = go[i]!;
    const ours = certdoctorVerdict(c.pem);
    if (goError === "") tally.goReads++;
    else tally.goRefuses++;
    if (!ours.reads) {
      tally.dropped++;
      if (goError === "") tally.droppedGoReads++;
      if (show) console.log(`${c.name}: certdoctor cannot read it (${ours.error}) / Go ${goError === "" ? "reads it" : goError}`);
      return;
    }
    if (goError === "") tally.readsWhatGoReads++;
    if (ours.goError === goError) {
      tally.exact++;
      if (goError !== "") tally.predictsRefusal++;
    } else if (goError === "" && (NEWER_GO_ONLY.get(ours.goError) ?? 0) > minor) {
      tally.newerGo++;
    } else if (show) console.log(`${c.name}: certdoctor predicts ${ours.goError === "" ? "Go reads it" : ours.goError} / Go ${goError === "" ? "reads it" : goError}`);
  });
  const pct = (n: number, of: number) => (of === 0 ? "–" : `${((100 * n) / of).toFixed(1)}%`);
  console.log(`${certs.length} certificates: Go reads ${tally.goReads}, refuses ${tally.goRefuses}\n`);
  console.log("| measure | count | rate |");
  console.log("| --- | ---: | ---: |");
  console.log(`| exact agreement (reads, or the same error text) | ${tally.exact} of ${certs.length} | ${pct(tally.exact, certs.length)} |`);
  console.log(`| certdoctor reads what Go reads | ${tally.readsWhatGoReads} of ${tally.goReads} | ${pct(tally.readsWhatGoReads, tally.goReads)} |`);
  console.log(`| Go's refusal predicted word for word | ${tally.predictsRefusal} of ${tally.goRefuses} | ${pct(tally.predictsRefusal, tally.goRefuses)} |`);
  console.log(`| differs only because the oracle is Go 1.${minor} (certdoctor predicts a newer Go's refusal) | ${tally.newerGo} | |`);
  console.log(`| certdoctor cannot read (of which Go reads) | ${tally.dropped} (${tally.droppedGoReads}) | |`);
}

main();
