/**
 * The file source: certificates, keys, CSRs, PKCS#12 bundles, kubeconfigs and Kubernetes manifests in
 * files and directories below its roots. It is an ordinary Source; it also names its files (`files`) so
 * the engine can read them on parse workers instead of on the calling thread.
 */
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { FileEntry, ReadContext, Source } from "../../model/scan.js";
import { readFileItems } from "./read.js";
import { walkPaths, type WalkFilter } from "./walk.js";

export { readFileItems } from "./read.js";
export { walkPaths, type FileEntry, type WalkFilter } from "./walk.js";

export interface FileSource extends Source {
  readonly kind: "file";
  readonly roots: readonly string[];
  files(ctx: ReadContext): AsyncIterable<FileEntry | ScanIssue>;
}

export interface FileSourceOptions {
  /** What the walk leaves out (--exclude, --one-file-system; pseudo-filesystems always). */
  filter?: WalkFilter;
  /** Called for each directory the walk enters (a progress line). */
  onDirectory?: (path: string) => void;
}

/** Files below `roots` (files or directories, walked in sorted order). A missing root throws ERR_PATH_NOT_FOUND. */
export function fileSource(roots: readonly string[], options: FileSourceOptions = {}): FileSource {
  const walk = (ctx: ReadContext) => walkPaths([...roots], ctx, options.filter, options.onDirectory);
  return {
    kind: "file",
    roots,
    files: walk,
    async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
      for await (const entry of walk(ctx)) {
        if (ctx.signal?.aborted === true) return;
        if ("code" in entry) yield entry;
        else yield* readFileItems(entry, ctx);
      }
    },
  };
}
