import { closeSync, openSync, readSync } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { basename, join } from "node:path";

/** A Kubernetes process found under a /proc tree. */
export interface KubeProcess {
  pid: number;
  /** /proc/PID/comm, sanitised to [A-Za-z0-9._-] (the kernel truncates it to 15 bytes). */
  comm: string;
  /** The component it was recognised as, e.g. "kube-proxy", "kubelet", "k3s". */
  component: string;
  /** argv, NUL-separated in /proc/PID/cmdline. */
  argv: string[];
}

export interface ProcLimits {
  /** At most this many /proc entries are looked at. */
  maxPids: number;
  /** At most this many processes are returned. */
  maxProcesses: number;
  /** /proc/PID/cmdline is read up to this many bytes. */
  maxCmdlineBytes: number;
  /** A read of /proc/PID/comm or cmdline not answered in this time is skipped (and stays outstanding in its thread). */
  readTimeoutMs: number;
  /** While this many reads are outstanding, no further /proc read starts: they would take the whole thread pool. */
  maxOutstandingReads: number;
}

export const defaultProcLimits: ProcLimits = { maxPids: 200_000, maxProcesses: 256, maxCmdlineBytes: 128 * 1024, readTimeoutMs: 2000, maxOutstandingReads: 2 };

export interface ProcScan {
  processes: KubeProcess[];
  /** /proc files whose read did not return in time (a process blocked on a hung mount holds its memory map: cmdline waits for it). */
  stuck: string[];
}

/** Reads of this process still waiting in the kernel, by path: shared by every scan, as the thread pool is. */
const outstanding = new Set<string>();

/**
 * Components the agent recognises, by comm or argv[0] basename. comm is truncated to 15 bytes by the
 * kernel, so `kube-controller-manager` shows as `kube-controller`; K3s renames itself `k3s-server`/`k3s-agent`.
 */
const COMPONENTS: ReadonlyMap<string, string> = new Map([
  ["kubelet", "kubelet"],
  ["kube-proxy", "kube-proxy"],
  ["kube-apiserver", "kube-apiserver"],
  ["kube-controller-manager", "kube-controller-manager"],
  ["kube-controller", "kube-controller-manager"],
  ["kube-scheduler", "kube-scheduler"],
  ["etcd", "etcd"],
  ["k3s", "k3s"],
  ["k3s-server", "k3s"],
  ["k3s-agent", "k3s"],
  ["k3s server", "k3s"],
  ["k3s agent", "k3s"],
  ["rke2", "rke2"],
  ["cloudcore", "cloudcore"],
  ["edgecore", "edgecore"],
]);

/** The component a process is, from its comm and argv, or undefined. `extra` maps further names (tests, custom builds) to components. */
export function recogniseComponent(comm: string, argv: string[], extra: ReadonlyMap<string, string> = new Map()): string | undefined {
  const byName = (name: string) => extra.get(name) ?? COMPONENTS.get(name);
  const argv0 = argv[0] === undefined ? "" : basename(argv[0]);
  // hyperkube bundles every component: `hyperkube kubelet ...` / `hyperkube kube-proxy ...`
  if ((comm === "hyperkube" || argv0 === "hyperkube") && argv[1] !== undefined) return byName(argv[1]);
  return byName(comm) ?? byName(argv0);
}

/**
 * Lists the Kubernetes processes under `procDir` (default /proc). Vanished or unreadable processes are skipped.
 * No call is synchronous: /proc/PID/cmdline of a process stuck on a hung mount never answers (`ps` hangs the same
 * way), and a synchronous read would block the agent for good, deaf to SIGTERM. Such a read is given up after
 * `readTimeoutMs` and named in `stuck`; while `maxOutstandingReads` are still waiting, /proc is not read further.
 */
export async function findKubeProcesses(procDir: string, extra: ReadonlyMap<string, string> = new Map(), limits: ProcLimits = defaultProcLimits): Promise<ProcScan> {
  const scan: ProcScan = { processes: [], stuck: [] };
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch {
    return scan;
  }
  const pids = names
    .filter((n) => /^\d{1,10}$/.test(n))
    .slice(0, limits.maxPids)
    .map(Number)
    .sort((a, b) => a - b);
  const read = async (path: string, max: number): Promise<Buffer | undefined> => {
    if (outstanding.has(path) || outstanding.size >= limits.maxOutstandingReads) {
      scan.stuck.push(path);
      return undefined;
    }
    const bytes = await readProcFile(path, max, limits.readTimeoutMs);
    if (bytes === "stuck") scan.stuck.push(path);
    return bytes === "stuck" ? undefined : bytes;
  };
  for (const pid of pids) {
    if (scan.processes.length >= limits.maxProcesses) break;
    const dir = join(procDir, String(pid));
    const commBytes = await read(join(dir, "comm"), 64);
    if (commBytes === undefined) continue;
    const comm = sanitiseComm(commBytes.toString("utf8").replace(/\n$/, ""));
    const cmdline = await read(join(dir, "cmdline"), limits.maxCmdlineBytes);
    const argv = cmdline === undefined ? [] : parseCmdline(cmdline);
    const component = recogniseComponent(comm, argv, extra);
    if (component !== undefined) scan.processes.push({ pid, comm, component, argv });
  }
  return scan;
}

/** Up to `max` bytes of a /proc file through the thread pool; "stuck" when it has not answered in `timeoutMs`, undefined when unreadable. */
async function readProcFile(path: string, max: number, timeoutMs: number): Promise<Buffer | undefined | "stuck"> {
  const reading = (async () => {
    const handle = await open(path, "r");
    try {
      const buf = Buffer.alloc(max);
      let filled = 0;
      for (let i = 0; i < 1024 && filled < max; i++) {
        const { bytesRead } = await handle.read(buf, filled, max - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buf.subarray(0, filled);
    } finally {
      await handle.close();
    }
  })().catch(() => undefined);
  outstanding.add(path);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([reading, new Promise<"stuck">((resolve) => (timer = setTimeout(() => resolve("stuck"), timeoutMs)))]);
  clearTimeout(timer);
  if (result === "stuck") void reading.finally(() => outstanding.delete(path));
  else outstanding.delete(path);
  return result;
}

/** argv from /proc/PID/cmdline: NUL-separated; a process that rewrote its title may use spaces instead. */
export function parseCmdline(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString("utf8");
  const parts = text.split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 1 && parts[0]!.includes(" ")) return parts[0]!.split(/ +/).filter((p) => p.length > 0);
  return parts;
}

export function sanitiseComm(comm: string): string {
  const clean = comm.replace(/[^A-Za-z0-9._ -]/g, "_").trim().replace(/ /g, "-");
  return clean === "" ? "unknown" : clean.slice(0, 64);
}

/** Up to `max` bytes of a file (proc files report size 0, so read until EOF), or undefined when unreadable. */
export function readBounded(path: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(max);
    let filled = 0;
    for (let i = 0; i < 1024 && filled < max; i++) {
      const n = readSync(fd, buf, filled, max - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
