/**
 * `certdoctor fix ca-sync`: make a CA file on nodes (KubeEdge's /etc/kubeedge/ca/rootCA.crt, a K3s
 * agent's server-ca.crt) the CA of a source (CloudCore's Secret kubeedge/casecret). The plan is computed
 * first and is all or nothing: every target is checked (a regular file, holding one CA, kept PEM or DER)
 * and every leaf that must trust it is verified against the current and the new CA. A target is refused
 * when the new CA would break a chain that verifies today (unless forced), when the source is not a CA,
 * or when the target is not a regular file holding one CA certificate. Output names fingerprints only.
 */
import { linkSync, lstatSync, readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Inventory } from "../inventory/inventory.js";
import type { CertRecord } from "../model/cert.js";
import type { Location } from "../model/inventory.js";
import { blockIndexOf } from "../model/ref.js";
import { trustRequirements } from "../layouts/trust-requirements.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { isTempFileName, writeFileAtomic } from "../fs/write-atomic.js";
import { encodeCert, parseCertBytes, readRegularFile } from "./cert-file.js";

export interface CaSyncSource {
  /** As the user named it: `secret:kubeedge/casecret#cadata`, a file, a URL. */
  name: string;
  der: Buffer;
  record: CertRecord;
}

export interface LeafCheck {
  ref: string;
  subject: string;
  /** Why it must trust the target: signed by its current CA on this node, or a layout trust requirement. */
  because: string;
  today: boolean;
  after: boolean;
}

export interface TargetPlan {
  path: string;
  node?: string;
  encoding?: "pem" | "der";
  mode?: number;
  current?: { subject: string; fingerprint: string; spkiFingerprint: string; notAfter: string };
  action: "replace" | "unchanged" | "refuse";
  /** Why a target is refused (or, with --force, what is overridden). */
  reasons: string[];
  forced: string[];
  leaves: LeafCheck[];
  /** The bytes to write (the new CA, encoded as the target was). */
  body?: Buffer;
}

export interface CaSyncPlan {
  source: { name: string; subject: string; fingerprint: string; spkiFingerprint: string; notAfter: string };
  /** Refusals of the source itself (not a CA, expired): every target is refused then. */
  sourceReasons: string[];
  targets: TargetPlan[];
  /** True when nothing is refused: --apply may write. */
  ok: boolean;
}

export interface CaSyncOptions {
  now: Date;
  force: boolean;
}

function summary(r: CertRecord) {
  return { subject: r.subject, fingerprint: r.fingerprint, spkiFingerprint: r.spkiFingerprint, notAfter: new Date(r.notAfter).toISOString() };
}

function isUsableCa(r: CertRecord): boolean {
  return r.isCA && (r.keyUsage.length === 0 || r.keyUsage.includes("keyCertSign"));
}

/** Checks the source and every target against the scan's inventory; writes nothing. */
export function planCaSync(inv: Inventory, source: CaSyncSource, targets: readonly string[], options: CaSyncOptions): CaSyncPlan {
  const s = source.record;
  const sourceReasons: string[] = [];
  if (!isUsableCa(s)) sourceReasons.push(`the source ${source.name} (${s.subject}) is not a CA certificate${s.isCA ? " (its key usage lacks keyCertSign)" : ""}: refusing to install it as a trust anchor`);
  const forcedSource: string[] = [];
  if (s.notAfter < options.now.getTime()) (options.force ? forcedSource : sourceReasons).push(`the source CA expired on ${new Date(s.notAfter).toISOString()}`);
  const plans = targets.map((t) => planTarget(inv, source, t, options, sourceReasons.length > 0));
  for (const p of plans) p.forced.unshift(...forcedSource);
  return { source: { name: source.name, ...summary(s) }, sourceReasons, targets: plans, ok: sourceReasons.length === 0 && plans.every((p) => p.action !== "refuse") };
}

function planTarget(inv: Inventory, source: CaSyncSource, path: string, options: CaSyncOptions, sourceRefused: boolean): TargetPlan {
  const plan: TargetPlan = { path, action: "refuse", reasons: [], forced: [], leaves: [] };
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    plan.reasons.push(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); ca-sync only replaces an existing CA file`);
    return plan;
  }
  if (st.isSymbolicLink()) {
    plan.reasons.push(`${path} is a symbolic link; ca-sync never writes through links: give the link's target`);
    return plan;
  }
  if (!st.isFile()) {
    plan.reasons.push(`${path} is not a regular file`);
    return plan;
  }
  let parsed;
  try {
    const { bytes, mode } = readRegularFile(path);
    plan.mode = mode;
    parsed = parseCertBytes(bytes);
  } catch (err) {
    plan.reasons.push(`${path} cannot be read or parsed (${(err as NodeJS.ErrnoException).code ?? "invalid certificate"})`);
    return plan;
  }
  if (parsed === undefined) {
    plan.reasons.push(`${path} holds no certificate`);
    return plan;
  }
  plan.encoding = parsed.encoding;
  if (parsed.certs.length !== 1 || parsed.otherBlocks > 0) {
    plan.reasons.push(`${path} holds ${parsed.certs.length} certificates${parsed.otherBlocks > 0 ? ` and ${parsed.otherBlocks} other PEM blocks` : ""}; ca-sync replaces files that hold exactly one CA certificate`);
    return plan;
  }
  const current = parsed.certs[0]!.record;
  plan.current = summary(current);
  if (!current.isCA) {
    plan.reasons.push(`${path} holds ${current.subject}, which is not a CA: this is not a CA file`);
    return plan;
  }
  const location = findLocation(inv, path);
  if (location?.node !== undefined) plan.node = location.node;
  plan.leaves = checkLeaves(inv, location, current, source.record);
  if (sourceRefused) {
    plan.reasons.push("the source is refused");
    return plan;
  }
  if (current.fingerprint === source.record.fingerprint) {
    plan.action = "unchanged";
    return plan;
  }
  const broken = plan.leaves.filter((l) => l.today && !l.after);
  if (broken.length > 0) {
    const why = `the new CA would break ${broken.map((l) => `${l.ref} (${l.subject})`).join(", ")}, which verif${broken.length === 1 ? "ies" : "y"} with the current CA today: re-issue ${broken.length === 1 ? "it" : "them"} from the new CA (or re-join the node) first`;
    if (!options.force) {
      plan.reasons.push(why);
      return plan;
    }
    plan.forced.push(why);
  }
  plan.action = "replace";
  plan.body = encodeCert(source.der, parsed.encoding);
  return plan;
}

function findLocation(inv: Inventory, path: string): Location | undefined {
  for (const cert of inv.certs) for (const l of cert.locations) if (l.path === path && !l.backup && blockIndexOf(l.ref) === 0) return l;
  return undefined;
}

/**
 * The leaves that must verify with the target: live certificates on the target's node signed by its
 * current CA or by the new one, and every leaf a layout trust requirement ties to the target's role.
 */
function checkLeaves(inv: Inventory, location: Location | undefined, current: CertRecord, next: CertRecord): LeafCheck[] {
  const out = new Map<string, LeafCheck>();
  const oldKey = new Set([current.spkiFingerprint]);
  const newKey = new Set([next.spkiFingerprint]);
  const required = location?.role === undefined ? [] : trustRequirements.filter((r) => r.anchorRole === location.role);
  for (const cert of inv.live()) {
    if (cert.record.isCA) continue;
    const today = inv.chainReaches(cert, oldKey, 16);
    const after = inv.chainReaches(cert, newKey, 16);
    for (const l of cert.locations) {
      if (l.backup || blockIndexOf(l.ref) > 0) continue;
      if ((l.scope ?? "") !== (location?.scope ?? "")) continue;
      const sameNode = location !== undefined && l.node !== undefined && l.node === location.node;
      const req = required.find((r) => r.leafRole === l.role && (r.scope === "cluster" || sameNode));
      let because: string | undefined;
      if (req !== undefined) because = `layout requirement ${req.id}`;
      else if (sameNode && (today || after)) because = `on the same node, signed by the ${today ? "current" : "new"} CA`;
      if (because === undefined || out.has(l.ref)) continue;
      out.set(l.ref, { ref: l.ref, subject: cert.record.subject, because, today, after });
    }
  }
  return [...out.values()].sort((a, b) => a.ref.localeCompare(b.ref));
}

export interface ApplyHooks {
  /** Called after each target is written (tests kill the process here to prove a re-run completes). */
  afterTarget?: (index: number, path: string) => void;
  now?: () => Date;
}

/**
 * Writes every `replace` target: a timestamped hard-link backup first, then an atomic replace; re-reads each.
 * Temp files an earlier, interrupted run left beside a target (the writer's own names) are removed first.
 */
export function applyCaSync(plan: CaSyncPlan, hooks: ApplyHooks = {}): { written: Array<{ path: string; backup: string }>; removedTemps: string[] } {
  if (!plan.ok) throw new CertdoctorError(ErrorCode.ERR_INTERNAL, "applyCaSync called with a refused plan");
  const written: Array<{ path: string; backup: string }> = [];
  const removedTemps: string[] = [];
  for (const t of plan.targets) {
    if (t.action === "refuse") continue;
    const dir = dirname(t.path);
    for (const name of readdirSync(dir)) {
      if (!isTempFileName(name) || !name.endsWith(`-${basename(t.path)}`)) continue;
      const p = join(dir, name);
      if (lstatSync(p).isFile()) {
        unlinkSync(p);
        removedTemps.push(p);
      }
    }
  }
  plan.targets.forEach((t, i) => {
    if (t.action !== "replace") return;
    const backup = keepTimestampedBackup(t.path, (hooks.now ?? (() => new Date()))());
    writeFileAtomic(t.path, t.body!);
    const reread = parseCertBytes(readRegularFile(t.path).bytes);
    if (reread?.certs.length !== 1 || reread.certs[0]!.record.fingerprint !== plan.source.fingerprint) {
      throw new CertdoctorError(ErrorCode.ERR_OUTPUT_WRITE, `${t.path} does not read back as the new CA`);
    }
    written.push({ path: t.path, backup });
    hooks.afterTarget?.(i, t.path);
  });
  return { written, removedTemps };
}

/** `<path>.<UTC stamp>.bak` as a hard link (the old content is never absent); `-1`, `-2` on a clash. */
function keepTimestampedBackup(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${path}.${stamp}.bak` : `${path}.${stamp}-${i}.bak`;
    try {
      linkSync(path, name);
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || i >= 1000) throw err;
    }
  }
}

/** After writing: whether each leaf the plan listed verifies with the CA the (rescanned) targets now hold. */
export function verifyAfterApply(inv: Inventory, plan: CaSyncPlan): Array<{ ref: string; target: string; ok: boolean }> {
  const newKey = new Set([plan.source.spkiFingerprint]);
  const byRef = new Map<string, ReturnType<Inventory["live"]>[number]>();
  for (const cert of inv.live()) for (const l of cert.locations) if (!l.backup) byRef.set(l.ref, cert);
  const held = new Set<string>();
  for (const cert of inv.live()) for (const l of cert.locations) if (l.path !== undefined && cert.record.spkiFingerprint === plan.source.spkiFingerprint) held.add(l.path);
  const out: Array<{ ref: string; target: string; ok: boolean }> = [];
  for (const t of plan.targets) {
    if (t.action !== "replace") continue;
    for (const l of t.leaves) {
      const cert = byRef.get(l.ref);
      out.push({ ref: l.ref, target: t.path, ok: held.has(t.path) && cert !== undefined && inv.chainReaches(cert, newKey, 16) });
    }
  }
  return out;
}
