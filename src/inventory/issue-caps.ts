/**
 * Caps on issues of one kind, so one hostile file cannot turn the report into hundreds of thousands of
 * findings (a file of repeated "-----BEGIN " is one unreadable block per marker): at most `perPlace` issues
 * of one code per place (a file, a Secret, a kubeconfig: the ref without its #key) and `perScan` of one code
 * in all. What is left out is counted, and each overflow becomes one summary issue of the same code at the
 * place ("12,345 more unreadable blocks in /x.pem"), so the report always comes out and still says what was dropped.
 */
import type { ScanIssue } from "../model/issue.js";
import { formatRef, parseRef } from "../model/ref.js";
import { defaultLimits } from "../model/scan.js";

interface Overflow {
  issue: ScanIssue;
  place: string;
  dropped: number;
}

export class IssueCaps {
  private readonly perPlaceCount = new Map<string, number>();
  private readonly perCodeCount = new Map<string, number>();
  private readonly placeOverflow = new Map<string, Overflow>();
  private readonly scanOverflow = new Map<string, { first: ScanIssue; dropped: number }>();

  constructor(
    private readonly perPlace = defaultLimits.maxIssuesPerPlace,
    private readonly perScan = defaultLimits.maxIssuesPerScan,
  ) {}

  /** True when the issue is to be kept; otherwise it is counted for a summary (with the `omitted` it stands for). */
  admit(issue: ScanIssue): boolean {
    const place = placeOf(issue.ref);
    const key = `${issue.code} ${place}`;
    const more = issue.omitted ?? 0;
    const inPlace = (this.perPlaceCount.get(key) ?? 0) + 1;
    this.perPlaceCount.set(key, inPlace);
    if (inPlace > this.perPlace) {
      this.countPlace(key, issue, place, 1 + more);
      return false;
    }
    const inScan = (this.perCodeCount.get(issue.code) ?? 0) + 1;
    this.perCodeCount.set(issue.code, inScan);
    if (inScan > this.perScan) {
      const over = this.scanOverflow.get(issue.code);
      if (over === undefined) this.scanOverflow.set(issue.code, { first: issue, dropped: 1 + more });
      else over.dropped += 1 + more;
      return false;
    }
    // Kept, but it also stood for others a reader already left out: those still get their summary.
    if (more > 0) this.countPlace(key, issue, place, more);
    return true;
  }

  private countPlace(key: string, issue: ScanIssue, place: string, n: number): void {
    const over = this.placeOverflow.get(key);
    if (over === undefined) this.placeOverflow.set(key, { issue, place, dropped: n });
    else over.dropped += n;
  }

  /** One issue per overflow: per place first, then per code for the scan. */
  summaries(): ScanIssue[] {
    const out: ScanIssue[] = [];
    for (const { issue, place, dropped } of this.placeOverflow.values()) {
      out.push({
        code: issue.code,
        ref: place,
        message: `${count(dropped)} more ${issue.material ? "unreadable blocks" : "notes"} like "${clip(issue.message)}" in ${locationOf(place)} (only the first ${this.perPlace} of one kind are listed per place)`,
        material: issue.material,
      });
    }
    for (const [code, { first, dropped }] of this.scanOverflow) {
      out.push({
        code: first.code,
        ref: placeOf(first.ref),
        message: `${count(dropped)} more ${code} ${first.material ? "unreadable blocks" : "notes"} in this scan, from ${locationOf(placeOf(first.ref))} on (only the first ${count(this.perScan)} of one kind are listed per scan)`,
        material: first.material,
      });
    }
    return out;
  }
}

/** The ref without its #key: the file, Secret or object the issue is in. */
function placeOf(ref: string): string {
  const parsed = parseRef(ref);
  if (parsed === undefined) return ref;
  const { key: _key, ...place } = parsed;
  return formatRef(place);
}

function locationOf(place: string): string {
  return parseRef(place)?.location ?? place;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function clip(message: string): string {
  return message.length > 120 ? `${message.slice(0, 117)}...` : message;
}
