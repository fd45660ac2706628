import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "./support/exposition.js";
import { demoPath, fixturePath } from "./support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-metrics-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("scan --format prometheus", () => {
  it("writes the exposition of the scan at its --now, exits by --fail-on as other formats do", async () => {
    const run = await runCli(["scan", fixturePath("expired"), "--format", "prometheus", "--now", "2026-06-01T00:00:00Z"]);
    assert.equal(run.code, 1);
    assert.equal(promtoolCheckMetrics(run.out), "");
    const exp = parseExposition(run.out);
    assert.ok(samplesOf(exp, "x509_cert_expired").some((s) => s.value === 1));
    assert.equal(samplesOf(exp, "certdoctor_last_scan_timestamp_seconds")[0]!.value, Date.parse("2026-06-01T00:00:00Z") / 1000);
    assert.deepEqual(samplesOf(exp, "x509_source_up").map((s) => [s.labels.source_name, s.value]), [[fixturePath("expired"), 1]]);
  });

  it("takes --metrics-config (an enix-style metrics: section) and writes --output atomically for the textfile collector", async () => {
    const config = join(dir, "metrics.yaml");
    writeFileSync(config, "metrics:\n  exposeRelative: true\n  exposeSubjectFields: [CN]\n");
    const output = join(dir, "textfile", "certdoctor.prom");
    rmSync(join(dir, "textfile"), { recursive: true, force: true });
    mkdirSync(join(dir, "textfile"));
    const run = await runCli(["scan", fixturePath("chain-ok"), "--format", "prometheus", "--now", "2026-06-01T00:00:00Z", "--metrics-config", config, "--output", output]);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(readdirSync(join(dir, "textfile")).filter((f) => f.endsWith(".prom")), ["certdoctor.prom"]);
    const exp = parseExposition(readFileSync(output, "utf8"));
    assert.ok(samplesOf(exp, "x509_cert_expires_in_seconds").length > 0);
    assert.ok(samplesOf(exp, "x509_cert_not_after").every((s) => !("subject_O" in s.labels) && "subject_CN" in s.labels));
  });

  it("refuses a bad metrics config with exit code 2 and one line naming it", async () => {
    const config = join(dir, "bad.yaml");
    writeFileSync(config, "exposeRelatve: true\n");
    const run = await runCli(["scan", fixturePath("chain-ok"), "--format", "prometheus", "--metrics-config", config]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--metrics-config .*bad\.yaml: metrics: unknown option "exposeRelatve"/);
  });

  it("takes x509-certificate-exporter v3's metric flags over --metrics-config, and refuses bad values naming the flag", async () => {
    const config = join(dir, "v3.yaml");
    writeFileSync(config, "metrics:\n  exposeRelative: false\n  trimPathComponents: 5\n");
    const tree = fixturePath("chain-ok");
    const run = await runCli(["scan", tree, "--format", "prometheus", "--now", "2026-06-01T00:00:00Z", "--metrics-config", config,
      "--trim-path-components", "1", "--expose-relative-metrics", "--expose-per-cert-error-metrics", "--expose-labels", "filename,filepath,serial_number,subject_CN"]);
    assert.equal(run.code, 0, run.err);
    assert.equal(promtoolCheckMetrics(run.out), "");
    const exp = parseExposition(run.out);
    assert.ok(samplesOf(exp, "x509_cert_expires_in_seconds").length > 0);
    assert.ok(samplesOf(exp, "x509_cert_error").length > 0);
    const series = samplesOf(exp, "x509_cert_not_after");
    assert.ok(series.length > 0);
    for (const s of series) {
      assert.deepEqual(Object.keys(s.labels).sort(), ["discriminator", "filename", "filepath", "serial_number", "subject_CN"]);
      // one leading component trimmed, as enix's trimPath does: /a/b/c -> /b/c
      assert.equal(s.labels.filepath, `/${tree.split("/").slice(2).join("/")}/${s.labels.filename}`);
    }
    for (const [flag, value, why] of [["--trim-path-components", "x", /--trim-path-components: trimPathComponents must be an integer/], ["--expose-labels", "filename,nope", /--expose-labels: metricLabelsFilterList: unknown label "nope"/]] as const) {
      const bad = await runCli(["scan", tree, "--format", "prometheus", flag, value]);
      assert.equal(bad.code, 2, flag);
      assert.match(bad.err, why);
    }
  });

  it("is refused by watch, which has no exposition", async () => {
    const run = await runCli(["watch", "--format", "prometheus", "--kubeconfig", join(dir, "none")]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--format must be table or json/);
  });
});

describe("agent --metrics-file", () => {
  it("rewrites the file after each scan with the node's series", async () => {
    const file = join(dir, "agent.prom");
    const run = await runCli(["agent", "--once", "--root", demoPath("cp-1"), "--proc", join(dir, "no-proc"), "--now", "2026-12-01T00:00:00Z", "--node-name", "cp-1", "--metrics-file", file]);
    assert.equal(run.code, 0, run.err);
    const text = readFileSync(file, "utf8");
    assert.equal(promtoolCheckMetrics(text), "");
    const exp = parseExposition(text);
    // Paths as the node names them, without the --root mount point.
    assert.ok(samplesOf(exp, "x509_cert_not_after").some((s) => s.labels.filepath === "/etc/kubernetes/pki/apiserver.crt"));
    assert.ok(samplesOf(exp, "x509_source_up").some((s) => s.labels.source_name === "/etc/kubernetes"));
    assert.equal(text.includes(demoPath("cp-1")), false);
  });
});
