import type { ScanProgress } from "../engine/types.js";

/** Quiet for the first second: a quick scan never flickers a progress line. */
const SHOW_AFTER_MS = 1000;
const REDRAW_EVERY_MS = 200;
const CLEAR_LINE = "\r\x1b[K";

/**
 * The progress line of a long scan, on a terminal's stderr: files walked, certificates found, the
 * directory being walked, rewritten in place and cleared before the report is written.
 */
export class ProgressLine {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  update(p: ScanProgress): void {
    const now = this.clock();
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_EVERY_MS) return;
    this.lastDraw = now;
    this.drawn = true;
    this.write(CLEAR_LINE + progressText(p, this.columns));
  }

  /** Removes the line, if one was drawn. */
  clear(): void {
    if (this.drawn) this.write(CLEAR_LINE);
    this.drawn = false;
  }
}

/** `scanning: 12,345 files, 67 certificates  /var/lib/…/pki`, never wider than the terminal. */
export function progressText(p: ScanProgress, columns: number): string {
  const head = `scanning: ${p.files.toLocaleString("en-US")} files, ${p.certificates.toLocaleString("en-US")} certificates`;
  const room = columns - 1 - head.length - 2;
  if (room < 8 || p.directory === "") return head.slice(0, columns - 1);
  const dir = printable(p.directory);
  const shown = dir.length <= room ? dir : `…${dir.slice(dir.length - room + 1)}`;
  return `${head}  ${shown}`;
}

/** Control characters in a directory name would move the cursor: shown as `?`. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}
