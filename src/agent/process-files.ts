import { readdirSync } from "node:fs";
import { posix } from "node:path";
import yaml from "js-yaml";
import { resolveInRoot } from "../fs/in-root.js";
import { readBounded, type KubeProcess } from "./proc.js";

/** A file a process uses, by the path the process itself names. */
export interface ProcessFile {
  /** Absolute path inside the process's mount namespace. */
  path: string;
  /** What named it: `--kubeconfig`, `config:clientConnection.kubeconfig`, `default`, `dir:--cert-dir`. */
  via: string;
}

export interface ProcessFileLimits {
  maxFilesPerProcess: number;
  /** Component config files (KubeletConfiguration, KubeProxyConfiguration, cloudcore.yaml ...) larger than this are not parsed. */
  maxConfigBytes: number;
  /** Files taken from one referenced directory (--cert-dir, the K3s data dir). */
  maxDirFiles: number;
}

export const defaultProcessFileLimits: ProcessFileLimits = { maxFilesPerProcess: 64, maxConfigBytes: 1024 * 1024, maxDirFiles: 64 };

/** Command-line flags whose value is a certificate, key, CA bundle or kubeconfig file. */
const FILE_FLAGS = new Set([
  "kubeconfig", "bootstrap-kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig",
  "tls-cert-file", "tls-private-key-file", "client-ca-file", "requestheader-client-ca-file", "root-ca-file",
  "client-certificate", "client-key", "certificate-authority",
  "kubelet-client-certificate", "kubelet-client-key", "kubelet-certificate-authority",
  "proxy-client-cert-file", "proxy-client-key-file",
  "etcd-cafile", "etcd-certfile", "etcd-keyfile",
  "cluster-signing-cert-file", "cluster-signing-key-file",
  "cert-file", "key-file", "trusted-ca-file", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file",
  "cacert", "cert", "key",
]);

/** Flags naming a component config file whose fields name further files. */
const CONFIG_FLAGS = new Set(["config"]);
/** Flags naming a directory of certificates. */
const DIR_FLAGS = new Set(["cert-dir"]);

/** Keys in component config files whose string value is a file the process uses. */
const CONFIG_FILE_KEYS = new Set([
  "kubeconfig", "tlsCertFile", "tlsPrivateKeyFile", "clientCAFile", "tlsCAFile", "tlsCaFile",
  "certFile", "keyFile", "caFile", "trustedCAFile", "cert-file", "key-file", "trusted-ca-file",
  "client-cert-auth-file", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file",
]);

/** Where a component keeps its files when its command line does not say (defaults of each distribution). */
const DEFAULT_CONFIGS: Record<string, string[]> = {
  cloudcore: ["/etc/kubeedge/config/cloudcore.yaml"],
  edgecore: ["/etc/kubeedge/config/edgecore.yaml"],
};
const RANCHER_DATA_DIRS: Record<string, string> = { k3s: "/var/lib/rancher/k3s", rke2: "/var/lib/rancher/rke2" };
const CERTISH_NAME = /\.(?:crt|pem|key|kubeconfig|conf)$/;

/** Flag name and value pairs from argv: `--flag=value`, `--flag value`, `-flag=value`. */
export function parseFlags(argv: string[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(argv[i]!);
    if (m === null) continue;
    if (m[2] !== undefined) out.push({ name: m[1]!, value: m[2] });
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("-")) out.push({ name: m[1]!, value: argv[++i]! });
  }
  return out;
}

/**
 * The certificate, key and kubeconfig files a process uses, from its flags, the component config files
 * its flags name (read through `root`, the process's own view), and its distribution's defaults.
 * Relative values resolve against `/` (component flags are absolute in every distribution).
 */
export function processFiles(proc: KubeProcess, root: string, limits: ProcessFileLimits = defaultProcessFileLimits): ProcessFile[] {
  const found = new Map<string, ProcessFile>();
  const add = (path: string, via: string) => {
    const abs = posix.resolve("/", path);
    if (found.size < limits.maxFilesPerProcess && !found.has(abs)) found.set(abs, { path: abs, via });
  };
  const flags = parseFlags(proc.argv);
  const configs: Array<{ path: string; via: string }> = [];
  let dataDir: string | undefined;
  for (const { name, value } of flags) {
    if (value === "") continue;
    if (FILE_FLAGS.has(name)) add(value, `--${name}`);
    else if (CONFIG_FLAGS.has(name)) configs.push({ path: value, via: `--${name}` });
    else if (DIR_FLAGS.has(name)) for (const f of listDir(root, value, limits)) add(f, `dir:--${name}`);
    else if (name === "data-dir" || name === "d") dataDir = value;
  }
  if (configs.length === 0) for (const path of DEFAULT_CONFIGS[proc.component] ?? []) configs.push({ path, via: "default" });
  for (const config of configs) {
    for (const { key, value } of configFileRefs(root, posix.resolve("/", config.path), limits.maxConfigBytes)) add(value, `config:${key}`);
  }
  const rancher = RANCHER_DATA_DIRS[proc.component];
  if (rancher !== undefined) {
    const base = posix.resolve("/", dataDir ?? rancher);
    for (const dir of ["server/tls", "server/tls/etcd", "agent"]) for (const f of listDir(root, posix.join(base, dir), limits)) add(f, "default");
  }
  return [...found.values()];
}

/** Files (not directories) with certificate-like names directly in `dir` as the process sees it, sorted. */
function listDir(root: string, dir: string, limits: ProcessFileLimits): string[] {
  const abs = posix.resolve("/", dir);
  const host = resolveInRoot(root, abs);
  if (host === undefined) return [];
  try {
    return readdirSync(host, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && CERTISH_NAME.test(e.name))
      .map((e) => posix.join(abs, e.name))
      .sort()
      .slice(0, limits.maxDirFiles);
  } catch {
    return [];
  }
}

/** `key: path` pairs from a component config file, read through `root`; nothing when unreadable or not YAML/JSON. */
export function configFileRefs(root: string, path: string, maxBytes: number): Array<{ key: string; value: string }> {
  const host = resolveInRoot(root, path);
  if (host === undefined) return [];
  const bytes = readBounded(host, maxBytes + 1);
  if (bytes === undefined || bytes.length > maxBytes) return [];
  return configRefsFromText(bytes.toString("utf8"));
}

/** Walks a parsed config (bounded depth and node count) for the known file-valued keys. */
export function configRefsFromText(text: string): Array<{ key: string; value: string }> {
  let doc: unknown;
  try {
    doc = yaml.load(text, { json: true });
  } catch {
    return [];
  }
  const out: Array<{ key: string; value: string }> = [];
  let budget = 10_000;
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (depth > 8 || budget-- <= 0 || typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) {
      node.slice(0, 256).forEach((v, i) => walk(v, `${prefix}${i}.`, depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(node as Record<string, unknown>).slice(0, 1024)) {
      if (typeof v === "string" && CONFIG_FILE_KEYS.has(k) && v.startsWith("/") && v.length <= 4096) out.push({ key: `${prefix}${k}`, value: v });
      else walk(v, `${prefix}${k}.`, depth + 1);
    }
  };
  walk(doc, "", 0);
  return out.slice(0, 256);
}
