/** `certdoctor fix ca-sync`: put the source CA into CA files on nodes, dry run first, refusing unsafe cases (exit 1). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { scan } from "../../engine/scan.js";
import type { ScanResult } from "../../engine/types.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { CertItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { fileSource } from "../../sources/file/index.js";
import { hexSha256 } from "../../pki/fingerprint.js";
import { applyCaSync, planCaSync, verifyAfterApply, type CaSyncSource } from "../../remedy/ca-sync.js";
import { renderCaSyncPlan } from "../../remedy/ca-sync-render.js";
import { parseSourceSpec, sourceFromFile, sourceFromInventory, sourceFromUrl } from "../../remedy/ca-sync-source.js";
import { encodeCert } from "../../remedy/cert-file.js";
import type { CliIO } from "../io.js";
import { buildKubeSources, preflightSources } from "../options-kube.js";
import { parseDuration, parseNow } from "../options.js";

interface CaSyncFlags {
  from: string;
  to: string[];
  path: string[];
  apply?: boolean;
  force?: boolean;
  kube?: boolean;
  kubeconfig?: string;
  context?: string;
  sourceCa?: string;
  timeout?: string;
  now?: string;
  kubeTimeout?: string;
}

export function registerFix(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const fix = program.command("fix").description("fix what can be fixed safely (dry run unless --apply)");
  fix
    .command("ca-sync")
    .description("make CA files on nodes (e.g. KubeEdge /etc/kubeedge/ca/rootCA.crt) the CA of --from; refuses, exit 1, when that would break a chain that verifies today, the source is not a CA or a target is not a regular CA file")
    .requiredOption("--from <source>", "secret:NS/NAME#KEY (with --kube or a dump in --path), a PEM/DER file, or https://HOST:10002/ca.crt (with --source-ca)")
    .option("--to <path>", "CA file to replace (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("-p, --path <path>", "dump or node trees to scan for the source and the leaves that must trust the targets (default: each target's parent directory's parent)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--kube", "read the source Secret from the current kubeconfig context")
    .option("--kubeconfig <file>", "read the source Secret from the cluster this kubeconfig points at")
    .option("--context <name>", "kubeconfig context")
    .option("--source-ca <file>", "CA bundle (PEM) that verifies the https:// source's TLS certificate")
    .option("--timeout <duration>", "for an https:// source (default 10s)")
    .option("--apply", "write the targets (default: print the plan only)")
    .option("--force", "replace even when the new CA breaks a chain that verifies today, or the source CA has expired")
    .option("--now <iso8601>", "evaluate as if at this time")
    .action(async (flags: CaSyncFlags) => {
      if (flags.to.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "give at least one --to PATH");
      const now = parseNow(flags.now);
      const targets = [...new Set(flags.to.map((t) => resolve(io.cwd, t)))];
      const spec = parseSourceSpec(flags.from, (p) => resolve(io.cwd, p));
      const paths = flags.path.length > 0 ? flags.path.map((p) => resolve(io.cwd, p)) : [...new Set(targets.map(defaultScanDir))];
      const sources: Source[] = [];
      if (flags.kube === true || flags.kubeconfig !== undefined || flags.context !== undefined) {
        if (spec.kind !== "ref") throw new CertdoctorError(ErrorCode.ERR_USAGE, "--kube reads a source ref such as secret:kubeedge/casecret#cadata");
        sources.push(...(await buildKubeSources({ kube: true, ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }), ...(flags.context === undefined ? {} : { context: flags.context }), ...(spec.namespace === undefined ? {} : { namespace: [spec.namespace] }), hasPaths: true }, io)));
        await preflightSources(sources, flags);
      }
      let tmp: string | undefined;
      try {
        let source: CaSyncSource | undefined;
        if (spec.kind === "file") source = sourceFromFile(spec.path);
        if (spec.kind === "url") {
          if (flags.sourceCa === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "an https:// source needs --source-ca FILE: the CA that verifies CloudCore's TLS certificate (never skip verification for a trust anchor)");
          const ca = readFileSync(resolve(io.cwd, flags.sourceCa));
          source = await sourceFromUrl(spec.url, ca, flags.timeout === undefined ? 10_000 : parseDuration("--timeout", flags.timeout));
        }
        // The new CA joins the scan so the leaves can be verified against it.
        if (source !== undefined) {
          tmp = mkdtempSync(join(tmpdir(), "certdoctor-ca-sync-"));
          writeFileSync(join(tmp, "source-ca.crt"), encodeCert(source.der, "pem"), { mode: 0o600 });
          paths.push(tmp);
        }
        const tapped = new Map<string, Buffer>();
        const scanAll = () => scan({ paths: [], sources: [fileSource(paths), ...sources].map((s) => tap(s, tapped)), now, warnDays: 30, critDays: 7 });
        const result: ScanResult = await scanAll();
        if (spec.kind === "ref") source = sourceFromInventory(result.inventory, spec.ref, (fp) => tapped.get(fp));
        const plan = planCaSync(result.inventory, source!, targets, { now, force: flags.force === true });
        io.stdout(renderCaSyncPlan(plan, { apply: flags.apply === true }));
        if (!plan.ok) {
          setExit(1);
          return;
        }
        if (flags.apply === true) {
          const { written, removedTemps } = applyCaSync(plan, crashHookForTests());
          for (const p of removedTemps) io.stdout(`removed ${p}, left by an interrupted earlier run\n`);
          for (const w of written) io.stdout(`replaced ${w.path} (previous kept as ${w.backup})\n`);
          const after = await scanAll();
          // Leaves --force accepted to break are expected to fail; any other failure means the change did not take.
          const expected = new Set(plan.targets.flatMap((t) => t.leaves.filter((l) => !l.after).map((l) => l.ref)));
          const failing = verifyAfterApply(after.inventory, plan).filter((c) => !c.ok).map((c) => ({ ref: c.ref, path: c.target }));
          const unexpected = failing.filter((f) => !expected.has(f.ref));
          for (const f of failing.filter((x) => expected.has(x.ref))) io.stdout(`as forced, ${f.ref} no longer verifies against ${f.path}: re-issue it from the new CA\n`);
          if (unexpected.length > 0) {
            io.stdout(`after the change these do not verify with the new CA: ${unexpected.map((f) => `${f.ref} (${f.path})`).join(", ")}\n`);
            setExit(1);
            return;
          }
          io.stdout(`verified: ${written.length} target${written.length === 1 ? " now holds" : "s now hold"} ${plan.source.subject} (SHA-256 ${plan.source.fingerprint}) and read back as written${expected.size === 0 ? "; every leaf that must trust the new CA verifies" : ""}\n`);
        }
        setExit(0);
      } finally {
        if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
      }
    });
}

/** The tree scanned for a target's leaves without --path: its directory's parent (/etc/kubeedge for ca/rootCA.crt), never "/". */
function defaultScanDir(target: string): string {
  const up = dirname(dirname(target));
  return up === dirname(up) ? dirname(target) : up;
}

/**
 * Test hook: CERTDOCTOR_TEST_CRASH_AFTER_TARGET=N kills the process (SIGKILL) right after target N (0-based)
 * is written, so a test can show that a crash between targets leaves each one whole and a re-run completes.
 */
function crashHookForTests(): { afterTarget?: (i: number) => void } {
  const n = process.env.CERTDOCTOR_TEST_CRASH_AFTER_TARGET;
  if (n === undefined || !/^\d+$/.test(n)) return {};
  return { afterTarget: (i) => void (i === Number(n) && process.kill(process.pid, "SIGKILL")) };
}

/**
 * Passes a source's items through, keeping each certificate's DER by fingerprint: the inventory keeps
 * only public records, and the CA to install must be the exact bytes the source holds.
 */
function tap(source: Source, der: Map<string, Buffer>): Source {
  return {
    kind: source.kind,
    async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
      for await (const item of source.discover(ctx)) {
        if ("type" in item && item.type === "cert") {
          const bytes = Buffer.from((item as CertItem).der);
          der.set(hexSha256(bytes), bytes);
        }
        yield item;
      }
    },
  };
}
