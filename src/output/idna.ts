/**
 * How a DNS name from a certificate is shown to a person: the A-label form the certificate holds (what Go
 * compares and logs), followed by its Unicode form when a label is an IDNA A-label ("xn--bcher-kva.example
 * (bücher.example)"). The Unicode form is only shown when it cannot mislead: every label decodes
 * (RFC 3492), is NFKC- and case-stable (no fullwidth dots, no "⒈", no capitals), holds only letters, marks,
 * digits and hyphens, and does not mix Latin, Greek and Cyrillic letters (the confusable mix browsers also
 * refuse to decode). Pure: no Node APIs, so the dashboard imports it too.
 */

const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 0x80;
const MAX_LABEL = 63;

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  while (d > ((BASE - T_MIN) * T_MAX) >> 1) {
    d = Math.floor(d / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + SKEW));
}

function digitOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 26;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  return -1;
}

/** RFC 3492 decoding of a Punycode string (the part after "xn--"); undefined when it is not valid Punycode. */
export function decodePunycode(input: string): string | undefined {
  if (input.length > MAX_LABEL) return undefined;
  const dash = input.lastIndexOf("-");
  const out: number[] = [];
  for (let j = 0; j < Math.max(dash, 0); j++) {
    const c = input.charCodeAt(j);
    if (c >= 0x80) return undefined;
    out.push(c);
  }
  let n = INITIAL_N;
  let bias = INITIAL_BIAS;
  let i = 0;
  for (let pos = dash > 0 ? dash + 1 : 0; pos < input.length; ) {
    const before = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (pos >= input.length) return undefined;
      const digit = digitOf(input.charCodeAt(pos++));
      if (digit < 0) return undefined;
      i += digit * w;
      if (i > 0x10ffff * (out.length + 1)) return undefined;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < t) break;
      w *= BASE - t;
    }
    bias = adapt(i - before, out.length + 1, before === 0);
    n += Math.floor(i / (out.length + 1));
    i %= out.length + 1;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
    out.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...out);
}

const LABEL_CHARS = /^[\p{L}\p{M}\p{N}-]+$/u;
const SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Greek}/u, /\p{Script=Cyrillic}/u];

function trustworthyULabel(label: string): boolean {
  if (!LABEL_CHARS.test(label)) return false;
  if (label.normalize("NFKC") !== label || label.toLowerCase() !== label) return false;
  if (![...label].some((ch) => ch.codePointAt(0)! >= 0x80)) return false;
  return SCRIPTS.filter((script) => script.test(label)).length <= 1;
}

/** The Unicode form of a name whose labels include A-labels, or undefined when there is none worth showing. */
export function unicodeForm(name: string): string | undefined {
  const labels = name.split(".");
  if (!labels.some((l) => /^xn--/i.test(l))) return undefined;
  const shown: string[] = [];
  for (const label of labels) {
    if (!/^xn--/i.test(label)) {
      shown.push(label);
      continue;
    }
    const decoded = decodePunycode(label.slice(4));
    if (decoded === undefined || !trustworthyULabel(decoded)) return undefined;
    shown.push(decoded);
  }
  return shown.join(".");
}

export function showDnsName(name: string): string {
  const unicode = unicodeForm(name);
  return unicode === undefined ? name : `${name} (${unicode})`;
}
