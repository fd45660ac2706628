import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { readFileItems } from "./read.js";
import { walkPaths } from "./walk.js";

export { readFileItems } from "./read.js";
export { walkPaths, type FileEntry } from "./walk.js";

/** Walks `roots` and reads every file on the calling thread: for tests and small scans (the engine parallelises itself). */
export function fileSource(roots: string[]): Source {
  return {
    kind: "file",
    async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
      for await (const entry of walkPaths(roots, ctx)) {
        if (ctx.signal?.aborted === true) return;
        if ("code" in entry) yield entry;
        else yield* readFileItems(entry, ctx);
      }
    },
  };
}
