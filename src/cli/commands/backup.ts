/** `certdoctor backup` and `certdoctor restore`: encrypted archives of certificate directories. */
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { writeFileAtomic } from "../../fs/write-atomic.js";
import { createBackup } from "../../remedy/backup.js";
import { BACKUP_KINDS, collectObjects, type BackedUpObject } from "../../remedy/backup-objects.js";
import { DEFAULT_KUBE_TIMEOUT_MS } from "../options-kube.js";
import { readBackupKey, type KeyFlags } from "../../remedy/key-input.js";
import { applyRestore, planRestore, type RestoreAction, type RestorePlan } from "../../remedy/restore.js";
import type { CliIO } from "../io.js";

/** An archive holds at most 512 MiB of files plus its manifest. */
const MAX_ARCHIVE_BYTES = 600 * 1024 * 1024;

export function registerBackup(program: Command, io: CliIO, setExit: (code: number) => void, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command("backup")
    .description("back up certificate directories into one encrypted archive (AES-256-GCM; manifest with modes, owners, checksums and certificate fingerprints inside)")
    .option("-p, --path <path>", "file or directory to back up (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--key-file <file>", "32-byte key (raw, 64 hex digits or base64), e.g. from `openssl rand -hex 32`")
    .option("--passphrase-file <file>", "passphrase (first line) to derive the key with scrypt; or set CERTDOCTOR_BACKUP_PASSPHRASE")
    .option("-o, --output <archive>", "where to write the archive (mode 0600, atomically)")
    .option("--kube", "also every certificate-bearing Secret and ConfigMap and every caBundle object of the current kubeconfig context")
    .option("--kubeconfig <file>", "as --kube, for the cluster this kubeconfig points at")
    .option("--context <name>", "kubeconfig context")
    .option("-n, --namespace <names>", "with --kube: only these namespaces (comma-separated; cluster-scoped objects are then skipped)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (flags: KeyFlags & { path: string[]; output?: string; kube?: boolean; kubeconfig?: string; context?: string; namespace: string[] }) => {
      const kube = flags.kube === true || flags.kubeconfig !== undefined || flags.context !== undefined;
      if (flags.path.length === 0 && !kube) throw new CertdoctorError(ErrorCode.ERR_USAGE, "nothing to back up: give at least one --path, or --kube");
      if (flags.output === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "give --output ARCHIVE: the archive is binary and never goes to stdout");
      const key = readBackupKey(flags, env, io.stderr);
      const objects = kube ? await readClusterObjects(flags, io) : [];
      const { manifest, archive } = createBackup(flags.path.map((p) => resolve(io.cwd, p)), key, new Date(), undefined, objects);
      writeFileAtomic(resolve(io.cwd, flags.output), archive, { mode: 0o600 });
      const files = manifest.entries.filter((e) => e.type === "file");
      const certs = new Set(files.flatMap((f) => f.certificates ?? []));
      io.stdout(`backed up ${files.length} files (${certs.size} certificates), ${manifest.entries.filter((e) => e.type === "symlink").length} symlinks, ${manifest.entries.filter((e) => e.type === "dir").length} directories from ${manifest.roots.join(", ")} to ${flags.output} (${archive.length} bytes, AES-256-GCM)\n`);
      if (kube) io.stdout(`backed up ${manifest.objects.length} Kubernetes objects: ${manifest.objects.map((o) => `${o.kind}/${o.namespace === undefined ? "" : `${o.namespace}/`}${o.name}`).join(", ") || "none held certificates"}\n`);
      for (const s of manifest.skipped) io.stdout(`skipped ${s.path}: ${s.reason}\n`);
      setExit(0);
    });

  program
    .command("restore")
    .description("restore a backup: lists what it would write (dry run) after checking the key, every checksum and every path; --apply writes atomically, keeping replaced files as .bak")
    .argument("<archive>", "archive written by certdoctor backup")
    .option("--key-file <file>", "the key file the archive was made with")
    .option("--passphrase-file <file>", "the passphrase file the archive was made with (or CERTDOCTOR_BACKUP_PASSPHRASE)")
    .option("--to <dir>", "restore under DIR instead of / (DIR/etc/kubernetes/... for /etc/kubernetes)")
    .option("--objects-to <dir>", "write the archive's Kubernetes objects there as JSON manifests (mode 0600) for `kubectl apply --server-side -f DIR`")
    .option("--kube", "apply the archive's Kubernetes objects to the current kubeconfig context (server-side apply, field manager certdoctor)")
    .option("--kubeconfig <file>", "as --kube, to the cluster this kubeconfig points at")
    .option("--context <name>", "kubeconfig context")
    .option("--apply", "write the files (default: dry run)")
    .action(async (archivePath: string, flags: KeyFlags & { to?: string; apply?: boolean; objectsTo?: string; kube?: boolean; kubeconfig?: string; context?: string }) => {
      const kube = flags.kube === true || flags.kubeconfig !== undefined || flags.context !== undefined;
      const path = resolve(io.cwd, archivePath);
      const archive = readArchive(path);
      const key = readBackupKey(flags, env, io.stderr);
      const plan = planRestore(archive, key, flags.to === undefined ? {} : { to: resolve(io.cwd, flags.to) });
      try {
        const changes = plan.actions.filter((a) => a.action !== "unchanged");
        io.stdout(`${path}: made ${plan.manifest.createdAt} from ${plan.manifest.roots.join(", ")}; key, ${plan.manifest.entries.filter((e) => e.type === "file").length} checksums and every path verified\n`);
        for (const a of plan.actions) io.stdout(describeAction(a));
        for (const o of plan.objects) io.stdout(`  ${kube ? "apply    " : flags.objectsTo === undefined ? "keep     " : "write    "} object  ${o.id}${flags.objectsTo === undefined ? "" : ` -> ${join(resolve(io.cwd, flags.objectsTo), o.file)}`}${o.entry.certificates.length > 0 ? ` (certificates ${o.entry.certificates.map((c) => `${c.slice(0, 16)}…`).join(" ")})` : ""}\n`);
        if (plan.objects.length > 0 && flags.objectsTo === undefined && !kube) io.stdout(`the archive holds ${plan.objects.length} Kubernetes objects: give --objects-to DIR to write them as manifests, then \`kubectl apply --server-side -f DIR\`\n`);
        if (!flags.apply) {
          io.stdout(`dry run: ${changes.length} of ${plan.actions.length} entries would be written; nothing was changed (--apply to write)\n`);
        } else {
          const written = applyRestore(plan, flags.objectsTo === undefined ? {} : { objectsTo: resolve(io.cwd, flags.objectsTo) });
          if (kube) {
            const applied = await applyObjects(plan, flags, io);
            io.stdout(`applied ${applied} Kubernetes objects (server-side apply, field manager ${FIELD_MANAGER})\n`);
          }
          for (const w of written) if (w.backup !== undefined) io.stdout(`kept the replaced ${w.target} as ${w.backup}\n`);
          io.stdout(`restored ${written.length} entries; every file read back with its checksum\n`);
          if (flags.objectsTo !== undefined && plan.objects.length > 0) io.stdout(`apply the objects with: kubectl apply --server-side -f ${resolve(io.cwd, flags.objectsTo)}\n`);
        }
      } finally {
        plan.data.fill(0);
      }
      setExit(0);
    });
}

/** Lists the cluster's certificate-bearing objects through sources/kubernetes (loaded only when asked for). */
async function readClusterObjects(flags: { kubeconfig?: string; context?: string; namespace: string[] }, io: CliIO): Promise<BackedUpObject[]> {
  const { KubeClient, KINDS } = await import("../../sources/kubernetes/index.js");
  const namespaces = flags.namespace.flatMap((n) => n.split(",")).map((n) => n.trim()).filter((n) => n !== "");
  for (const ns of namespaces) if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--namespace: "${ns}" is not a valid namespace name`);
  const client = new KubeClient({ ...(flags.kubeconfig === undefined ? {} : { kubeconfig: resolve(io.cwd, flags.kubeconfig) }), ...(flags.context === undefined ? {} : { context: flags.context }) });
  await client.preflight(DEFAULT_KUBE_TIMEOUT_MS);
  const kinds = BACKUP_KINDS.map((k) => KINDS.find((s) => s.kind === k)!);
  try {
    return await collectObjects(client, kinds, namespaces.length > 0 ? namespaces : undefined);
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    throw new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `cannot list the cluster's objects from ${client.server}: ${err instanceof Error ? err.message : "error"}; nothing was written`, { cause: err });
  }
}

const FIELD_MANAGER = "certdoctor";

/** Server-side applies every object of the plan, in the archive's order; stops at the first refusal, naming it. */
async function applyObjects(plan: RestorePlan, flags: { kubeconfig?: string; context?: string }, io: CliIO): Promise<number> {
  const { KubeClient } = await import("../../sources/kubernetes/index.js");
  const client = new KubeClient({ ...(flags.kubeconfig === undefined ? {} : { kubeconfig: resolve(io.cwd, flags.kubeconfig) }), ...(flags.context === undefined ? {} : { context: flags.context }) });
  await client.preflight(DEFAULT_KUBE_TIMEOUT_MS);
  let applied = 0;
  for (const o of plan.objects) {
    const obj = JSON.parse(plan.data.subarray(o.entry.offset, o.entry.offset + o.entry.size).toString("utf8")) as Record<string, unknown>;
    try {
      await client.apply(obj, FIELD_MANAGER);
    } catch (err) {
      if (err instanceof CertdoctorError) throw err;
      throw new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `${client.server} refused ${o.id} (${err instanceof Error ? err.message : "error"}) after ${applied} of ${plan.objects.length} objects were applied; re-run to apply the rest`, { cause: err });
    }
    io.stdout(`applied ${o.id}\n`);
    applied++;
  }
  return applied;
}

function readArchive(path: string): Buffer {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `${path} is not a regular file`);
    if (st.size > MAX_ARCHIVE_BYTES) throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `${path} is larger than any certdoctor archive (${MAX_ARCHIVE_BYTES} bytes)`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CertdoctorError(code === "ENOENT" ? ErrorCode.ERR_PATH_NOT_FOUND : ErrorCode.ERR_BACKUP_INVALID, `cannot read ${path}: ${code}`, { cause: err });
  }
}

function describeAction(a: RestoreAction): string {
  const what = a.type === "symlink" ? `-> ${a.entry.target}` : `mode ${a.mode.toString(8).padStart(4, "0")}${a.certificates.length > 0 ? `, certificates ${a.certificates.map((c) => `${c.slice(0, 16)}…`).join(" ")}` : ""}`;
  return `  ${a.action.padEnd(9)} ${a.type.padEnd(7)} ${a.target} (${what})\n`;
}
