import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { JsonReport } from "../src/output/json.js";
import { CSV_COLUMNS, neutraliseFormula } from "../src/output/csv.js";
import { rules } from "../src/rules/index.js";
import { runCli } from "./support/cli.js";
import { fixturePath } from "./support/fixtures.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";

const NOW = "2026-06-01T00:00:00Z";
const DEMO = join(process.cwd(), "demo", "cluster");
const DEMO_NOW = "2026-12-01T00:00:00Z";
const tmp = mkdtempSync(join(tmpdir(), "certdoctor-formats-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A certificate whose subject is built to break every output format. */
const HOSTILE_CN = '=HYPERLINK("x")|<script>&"`*_';
let hostile: OpensslDir;
before(() => {
  hostile = makeOpensslDir("certdoctor-hostile-subject-");
  hostile.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "h.key", "-out", "h.crt",
    "-subj", `/CN=\\${HOSTILE_CN}`, "-days", "3");
});
after(() => hostile.cleanup());

function scanTo(name: string, args: string[]): Promise<{ code: number; text: string; err: string }> {
  const out = join(tmp, name);
  return runCli(["scan", ...args, "--output", out]).then((r) => ({ code: r.code, text: r.code <= 1 ? readFileSync(out, "utf8") : "", err: r.err }));
}

describe("the format follows the destination", () => {
  const rows = [
    { name: ".json file gets JSON", file: "r.json", check: (t: string) => assert.equal((JSON.parse(t) as JsonReport).schemaVersion, 1) },
    { name: ".md file gets Markdown", file: "r.md", check: (t: string) => assert.match(t, /^# certdoctor report\n/) },
    { name: ".csv file gets the overview as CSV", file: "r.csv", check: (t: string) => assert.equal(t.split("\r\n")[0], CSV_COLUMNS.join(",")) },
    { name: ".sarif file gets SARIF", file: "r.sarif", check: (t: string) => assert.equal((JSON.parse(t) as { version: string }).version, "2.1.0") },
    { name: ".xml file gets JUnit", file: "r.xml", check: (t: string) => assert.match(t, /<testsuites name="certdoctor"/) },
    { name: ".html file gets HTML", file: "r.html", check: (t: string) => assert.match(t, /^<!doctype html>/) },
    { name: "an unknown extension gets JSON", file: "r.report", check: (t: string) => assert.doesNotThrow(() => JSON.parse(t)) },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const r = await scanTo(row.file, [fixturePath("expired"), "--now", NOW, "--fail-on", "never"]);
      assert.equal(r.code, 0, r.err);
      row.check(r.text);
    });
  }
  it("--format wins over the extension", async () => {
    const r = await scanTo("forced.json", [fixturePath("expired"), "--now", NOW, "--format", "markdown", "--fail-on", "never"]);
    assert.match(r.text, /^# certdoctor report/);
  });
  it("an unknown --format is a usage error naming the formats", async () => {
    const r = await runCli(["scan", fixturePath("expired"), "--format", "yaml"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_USAGE: --format must be one of table, json, markdown, csv, sarif, junit, html, prometheus/);
  });
  it("demo, piped, writes JSON like scan", async () => {
    const r = await runCli(["demo"]);
    assert.equal((JSON.parse(r.out) as JsonReport).schemaVersion, 1);
  });
});

describe("findings are ordered by time to impact within each severity", () => {
  it("broken now first, then the soonest to break", async () => {
    const r = await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "json"]);
    const report = JSON.parse(r.out) as JsonReport;
    const critical = report.findings.filter((f) => f.severity === "critical");
    const impact = critical.map((f) => (f.breaksAt === undefined ? -Infinity : Date.parse(f.breaksAt)));
    assert.deepEqual(impact, [...impact].sort((a, b) => a - b), "non-decreasing time to impact");
    const firstLater = critical.findIndex((f) => f.breaksAt !== undefined);
    assert.ok(firstLater > 0, "some critical findings are broken now and come first");
    // Story 1: admin.conf expires in 4 days — the first of the findings that break later.
    assert.equal(critical[firstLater]!.rule, "cert-expiring");
    assert.equal(critical[firstLater]!.breaksAt, "2026-12-05T00:00:00.000Z");
    assert.ok(critical[firstLater]!.locations.some((l) => l.endsWith("admin.conf#users/kubernetes-admin")));
  });
});

describe("certdoctor certs: the expiry overview", () => {
  const certsJson = async (...args: string[]) => {
    const r = await runCli(["certs", DEMO, "--now", DEMO_NOW, "--format", "csv", ...args]);
    assert.equal(r.code, 0, r.err);
    return parseCsv(r.out);
  };
  it("lists certificates in use, soonest expiry first, backups and OS roots hidden", async () => {
    const rows = await certsJson();
    const notAfter = rows.map((r) => Date.parse(r.not_after!));
    assert.deepEqual(notAfter, [...notAfter].sort((a, b) => a - b));
    assert.match(rows[0]!.location!, /cp-1\/etc\/kubernetes\/admin\.conf#users\/kubernetes-admin$/);
    assert.equal(rows[0]!.node, join(DEMO, "cp-1"));
    assert.ok(!rows.some((r) => r.location!.includes("/pki/expired/")), "kubeadm backup hidden");
    assert.ok(!rows.some((r) => r.location!.includes("/tls-1764000000/")), "K3s backup hidden");
  });
  it("--all shows backups too", async () => {
    const rows = await certsJson("--all");
    assert.ok(rows.some((r) => r.location!.includes("/pki/expired/apiserver.crt") && r.backup === "true"));
  });
  it("--expiring-within 30d: the two stories that expire this month", async () => {
    const rows = await certsJson("--expiring-within", "30d");
    assert.deepEqual(rows.map((r) => r.residual_seconds), [String(4 * 86400), String(19 * 86400)]);
  });
  it("--node picks one node's certificates by its folder name", async () => {
    const rows = await certsJson("--node", "worker-1");
    assert.ok(rows.length > 0 && rows.every((r) => r.node === join(DEMO, "worker-1")));
  });
  it("--namespace works on a dump", async () => {
    const rows = await certsJson("--namespace", "kubeedge");
    assert.ok(rows.length > 0 && rows.every((r) => r.namespace === "kubeedge"));
    assert.ok(rows.some((r) => r.location === "secret:kubeedge/cloudcoresecret#cloudcoredata"));
  });
  it("--rule and --severity pick the certificates findings are about", async () => {
    const rows = await certsJson("--rule", "key-mismatch");
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.location!, /front-proxy-client\.crt$/);
    assert.ok((await certsJson("--severity", "critical")).every((r) => r.worst_severity === "critical"));
  });
  it("CA key: present where the CA's key is in the scan, absent where only the certificate is", async () => {
    const rows = await certsJson();
    const apiserver = rows.find((r) => r.location!.endsWith("cp-1/etc/kubernetes/pki/apiserver.crt"))!;
    assert.equal(apiserver.ca_key, "present");
    const edge1 = rows.find((r) => r.location!.endsWith("edge-1/etc/kubeedge/certs/server.crt"))!;
    assert.equal(edge1.ca_key, "absent", "edge-1's old KubeEdge CA key is nowhere in the dump");
  });
  it("the table fits 80 columns and names the columns kubeadm users know", async () => {
    const r = await runCli(["certs", DEMO, "--now", DEMO_NOW, "--format", "table"]);
    const lines = r.out.split("\n");
    assert.ok(lines.some((l) => /^CERTIFICATE\s+NODE\/NS\s+EXPIRES\s+RESIDUAL\s+CA\s+CA KEY$/.test(l)));
    assert.ok(lines.some((l) => /^kubeadm admin kube\S*…?\s+cp-1\s+2026-12-05\s+4d\s+kubernetes\s+present$/.test(l)));
    for (const line of lines) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
  });
  it("the overview exits 0 by default (it is a listing), --fail-on still applies", async () => {
    assert.equal((await runCli(["certs", DEMO, "--now", DEMO_NOW])).code, 0);
    assert.equal((await runCli(["certs", DEMO, "--now", DEMO_NOW, "--fail-on", "critical"])).code, 1);
  });
});

describe("compact: one line per finding", () => {
  it("prints a header and exactly one line per finding", async () => {
    const json = JSON.parse((await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "json"])).out) as JsonReport;
    const r = await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "table", "--compact"], { cwd: process.cwd() });
    const lines = r.out.trimEnd().split("\n");
    assert.match(lines[0]!, /^certdoctor scanned demo\/cluster \(\d+ files\): 16 critical, 1 warning, 0 info at 2026-12-01T00:00Z$/);
    assert.equal(lines.length - 1, json.findings.length);
    assert.deepEqual(lines.slice(1).map((l) => l.split(" ")[1]), json.findings.map((f) => f.rule));
    assert.match(lines.find((l) => l.includes("kubernetes-admin"))!, /^CRIT cert-expiring {2}Expires in 4 days: CN=kubernetes-admin,O=kubeadm:cluster-admins {2}\(kubeconfig:demo\/cluster\/cp-1\/etc\/kubernetes\/admin\.conf#users\/kubernetes-admin\)$/);
  });
});

describe("SARIF", () => {
  it("names every rule, maps levels, and keeps fingerprints stable across runs", async () => {
    const once = async () => JSON.parse((await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "sarif"], { cwd: process.cwd() })).out);
    const [a, b] = [await once(), await once()];
    const run = a.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), rules.map((r) => r.id));
    assert.equal(run.results.filter((r: { level: string }) => r.level === "error").length, 16);
    assert.equal(run.results.filter((r: { level: string }) => r.level === "warning").length, 1);
    const fileLoc = run.results.flatMap((r: { locations: unknown[] }) => r.locations).find((l: { physicalLocation?: unknown }) => l.physicalLocation) as {
      physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } };
    };
    assert.equal(fileLoc.physicalLocation.artifactLocation.uriBaseId, "SRCROOT");
    assert.match(fileLoc.physicalLocation.artifactLocation.uri, /^demo\/cluster\//);
    const secretLoc = run.results.flatMap((r: { locations: unknown[] }) => r.locations).find((l: { logicalLocations: Array<{ fullyQualifiedName: string }> }) => l.logicalLocations[0]!.fullyQualifiedName.startsWith("secret:"));
    assert.ok(secretLoc && !("physicalLocation" in secretLoc), "a Secret is a logical location");
    const ids = (x: typeof a) => x.runs[0].results.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints["certdoctorFinding/v1"]);
    assert.deepEqual(ids(a), ids(b));
    assert.equal(new Set(ids(a)).size, ids(a).length, "one id per finding");
  });
});

describe("JUnit", () => {
  it("failures are the findings at or above --fail-on; the rest pass", async () => {
    const count = (xml: string, re: RegExp) => (xml.match(re) ?? []).length;
    const crit = (await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "junit"])).out;
    assert.equal(count(crit, /<failure /g), 16);
    assert.match(crit, /<testsuites name="certdoctor" tests="\d+" failures="16"/);
    const warn = (await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "junit", "--fail-on", "warning"])).out;
    assert.equal(count(warn, /<failure /g), 17);
    const never = (await runCli(["scan", DEMO, "--now", DEMO_NOW, "--format", "junit", "--fail-on", "never"])).out;
    assert.equal(count(never, /<failure /g), 0);
  });
});

describe("hostile subjects in every text format", () => {
  it("stay inert in Markdown, HTML, JUnit and CSV", async () => {
    const args = ["scan", hostile.dir, "--now", NOW, "--fail-on", "never"];
    const md = (await runCli([...args, "--format", "markdown"])).out;
    assert.ok(!md.includes(HOSTILE_CN), "raw in Markdown");
    const row = md.split("\n").find((l) => l.startsWith("| CN=") && l.includes("HYPERLINK"))!;
    assert.equal(row.match(/(?<!\\)\|/g)!.length, 7, "the subject's pipe cannot add a table column");
    assert.doesNotMatch(md, /(?<!\\)<script/);
    const html = (await runCli([...args, "--format", "html"])).out;
    assert.ok(!html.includes("<script>"), "raw in HTML");
    assert.match(html, /&lt;script\\&gt;&amp;\\&quot;/);
    assert.doesNotMatch(html, /\b(?:src|href)=/i, "no external requests");
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const xml = (await runCli([...args, "--format", "junit"])).out;
    assert.ok(!xml.includes("<script>"));
    const csv = parseCsv((await runCli([...args, "--format", "csv"])).out);
    const json = JSON.parse((await runCli([...args, "--format", "json"])).out) as JsonReport;
    assert.equal(csv.length, 1);
    assert.equal(csv[0]!.subject, json.certificates[0]!.subject, "quotes, commas and pipes survive the CSV round trip");
  });
  it("a cell starting with a formula character is neutralised", () => {
    for (const cell of ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx"]) assert.equal(neutraliseFormula(cell), `'${cell}`);
    assert.equal(neutraliseFormula("CN=kubernetes"), "CN=kubernetes");
  });
});

describe("honest exit codes and thresholds", () => {
  it("a scan that found no certificate is exit 2 unless --allow-empty", async () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty, { recursive: true });
    const r = await runCli(["scan", empty, "--format", "json"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^certdoctor: ERR_SCAN_EMPTY: no certificate found in .*empty \(0 files\)/);
    assert.equal((JSON.parse(r.out) as JsonReport).summary.certificates, 0, "the report is still written");
    assert.equal((await runCli(["scan", empty, "--allow-empty"])).code, 0);
  });
  it("short-lived certificates: the scaled window is explained, --absolute-thresholds switches it off", async () => {
    const dir = fixturePath("short-lived-critical");
    const scaled = JSON.parse((await runCli(["scan", dir, "--now", NOW, "--format", "json", "--fail-on", "never"])).out) as JsonReport;
    const f = scaled.findings.find((x) => x.rule === "cert-expiring")!;
    assert.match(f.detail, /\(lifetime 1 day; warning: less than a third of its 1 day lifetime left\)/);
    const ok = fixturePath("short-lived-ok");
    const silent = JSON.parse((await runCli(["scan", ok, "--now", NOW, "--format", "json"])).out) as JsonReport;
    assert.equal(silent.findings.filter((x) => x.rule === "cert-expiring").length, 0);
    const absolute = JSON.parse((await runCli(["scan", ok, "--now", NOW, "--format", "json", "--absolute-thresholds", "--fail-on", "never"])).out) as JsonReport;
    const g = absolute.findings.find((x) => x.rule === "cert-expiring")!;
    assert.equal(g.severity, "critical");
    assert.match(g.detail, /critical: within --crit-days 7/);
  });
});

/** RFC 4180 reader for the tests: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), i++;
    else field += c;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}
