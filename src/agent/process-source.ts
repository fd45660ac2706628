import { formatRef, makeRef, parseRef, processRef, withKey, type SourceRef } from "../model/ref.js";
import { join } from "node:path";
import { ErrorCode } from "../errors.js";
import type { RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import type { ReadContext, Source } from "../model/scan.js";
import { readFileItems } from "../sources/file/index.js";
import { resolveInRoot } from "../fs/in-root.js";
import { processFiles, type ProcessFile, type ProcessFileLimits, defaultProcessFileLimits } from "./process-files.js";
import type { KubeProcess } from "./proc.js";

/** A process and the files it uses, as the agent reports them. */
export interface ProcessView {
  process: KubeProcess;
  /** `comm[pid]`: the middle of every ref this process's items carry. */
  id: string;
  files: ProcessFile[];
}

export function processId(p: KubeProcess): string {
  return `${p.comm}[${p.pid}]`;
}

/** The files each process uses, read from `procDir/PID/root` (the process's own mount namespace). */
export function viewProcesses(procDir: string, processes: KubeProcess[], limits: ProcessFileLimits = defaultProcessFileLimits): ProcessView[] {
  return processes.map((process) => ({ process, id: processId(process), files: processFiles(process, procRoot(procDir, process), limits) }));
}

export function procRoot(procDir: string, p: KubeProcess): string {
  return join(procDir, String(p.pid), "root");
}

/**
 * Certificates, keys and kubeconfigs as each process sees them. Refs: `process:COMM[PID]:/path` (the path
 * the process names), `#N` for the N-th block, `#users/NAME` / `#clusters/NAME` inside a kubeconfig.
 * Contexts and pair ids are the file reader's, scoped per process: `process:COMM[PID]:dir:/etc/kubernetes/pki`.
 * Items are not given a `path`: they are not node files, so path-based node rules leave them alone.
 */
export function processSource(procDir: string, views: ProcessView[]): Source {
  return {
    kind: "process",
    async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
      for (const view of views) {
        if (isAborted(ctx)) return;
        const root = procRoot(procDir, view.process);
        for (const file of view.files) {
          if (isAborted(ctx)) return;
          yield* readProcessFile(root, view.id, file, ctx);
        }
      }
    },
  };
}

function isAborted(ctx: ReadContext): boolean {
  return ctx.signal?.aborted === true;
}

function readProcessFile(root: string, id: string, file: ProcessFile, ctx: ReadContext): Array<RawItem | ScanIssue> {
  const ref = formatRef(processRef(id, file.path));
  const host = resolveInRoot(root, file.path);
  if (host === undefined) {
    return [{ code: ErrorCode.ERR_PROC_UNREADABLE, ref, message: `named by ${file.via} but not found in the process's mount namespace (or the process exited)`, material: false }];
  }
  const out: Array<RawItem | ScanIssue> = [];
  // What the host read names, as the process sees it: the file itself, or another file in its root.
  const rewrite = (value: SourceRef): SourceRef | undefined => {
    if (value.location === host) return withLocation(value, file.path);
    if (value.location.startsWith(`${root}/`)) return withLocation(value, value.location.slice(root.length));
    return undefined;
  };
  for (const item of readFileItems({ path: host, symlink: false }, ctx)) {
    const parsed = parseRef(item.ref);
    const inner = parsed === undefined ? undefined : rewrite(parsed);
    if (inner === undefined) {
      // A kubeconfig reference found only outside the process's view: not what the process reads.
      out.push({ code: ErrorCode.ERR_PROC_UNREADABLE, ref, message: `a file ${file.path} refers to is not in the process's mount namespace`, material: false });
      continue;
    }
    item.ref = formatRef(processRef(id, inner.location, inner.key));
    if ("type" in item && (item.type === "cert" || item.type === "key" || item.type === "csr")) {
      item.context = scope(id, item.context, rewrite);
      if (item.pair !== undefined) item.pair = scope(id, item.pair, rewrite);
      delete item.path;
      delete item.symlink;
    }
    out.push(item);
  }
  return out;
}

/** A context or pair id in the process's view: `dir:/proc/7/root/etc/x` -> `process:comm[7]:dir:/etc/x`. */
function scope(id: string, value: string, rewrite: (v: SourceRef) => SourceRef | undefined): string {
  const parsed = parseRef(value);
  if (parsed === undefined) return formatRef(processRef(id, value));
  const inner = rewrite(parsed) ?? parsed;
  return formatRef(processRef(id, formatRef(withKey(inner, undefined)), inner.key));
}

function withLocation(ref: SourceRef, location: string): SourceRef {
  return makeRef(ref.kind, location, ref.key, ref.process);
}
