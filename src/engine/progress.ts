/** Progress of a scan for a progress line: every 64th directory walked and every 256th file read. */
import type { ScanProgress } from "./types.js";

export interface ProgressHooks {
  onDirectory(path: string): void;
  onFile(): void;
}

/** Hooks that report through `report`, or undefined when nobody listens. `counts` says how far the scan is. */
export function progressHooks(report: ((p: ScanProgress) => void) | undefined, counts: () => { files: number; certificates: number }): ProgressHooks | undefined {
  if (report === undefined) return undefined;
  let directory = "";
  let directories = 0;
  let files = 0;
  return {
    onDirectory(path) {
      directory = path;
      if ((++directories & 63) === 0) report({ ...counts(), directory });
    },
    onFile() {
      if ((++files & 255) === 0) report({ ...counts(), directory });
    },
  };
}
