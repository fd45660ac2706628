/** Times and durations as an operator reads them: "in 3 d 4 h", "expired 2 d ago", UTC dates. */

const UNITS: Array<[string, number]> = [
  ["y", 365 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
];

/** A duration in its two largest units: "3 d 4 h", "45 min", "less than a minute". */
export function formatDuration(ms: number): string {
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
    if (parts.length === 1 && unit === "y") continue;
  }
  return parts.length === 0 ? "less than a minute" : parts.join(" ");
}

/** "in 3 d 4 h" or "3 d ago". */
export function relative(at: string | number, now: number): string {
  const t = typeof at === "string" ? Date.parse(at) : at;
  const d = t - now;
  return d >= 0 ? `in ${formatDuration(d)}` : `${formatDuration(d)} ago`;
}

/** "2026-12-01 14:03 UTC". */
export function utc(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return "—";
  const t = typeof at === "string" ? Date.parse(at) : at;
  if (Number.isNaN(t)) return String(at);
  return new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** The subject's CN when it has one, else the whole subject. */
export function commonName(subject: string): string {
  const m = /(?:^|,\s*|\/)CN=([^,/]+)/.exec(subject);
  return m ? m[1]! : subject;
}

export function shortFingerprint(fp: string): string {
  return fp.slice(0, 12);
}

/** A node's name; a dump's node is its folder (`/dumps/cluster/cp-1`), shown by its last part. */
export function nodeLabel(node: string): string {
  return node.startsWith("/") ? (node.replace(/\/+$/, "").split("/").pop() ?? node) : node;
}
