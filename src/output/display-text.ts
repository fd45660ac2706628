/**
 * Distinguished names are kept as `openssl x509 -nameopt RFC2253` prints them (the JSON report and
 * every comparison use that form), which writes each non-ASCII byte as `\XX`: `CN=Do\C4\9Fan`. For a
 * person, reports show the characters (`CN=Doğan`); only what could mislead or move a terminal's
 * cursor stays escaped: control characters (C0, DEL, C1), invisible format characters and the
 * bidirectional overrides of "Trojan source" tricks.
 */
import type { Finding } from "../model/finding.js";

const ESCAPED_UTF8_RUN = /(?:\\[C-Fc-f][0-9A-Fa-f](?:\\[89ABab][0-9A-Fa-f]){1,3})+/g;
/** C1 controls, zero-width and bidi format characters, line/paragraph separators, BOM. */
const KEEP_ESCAPED = /[\u0080-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

export function showUtf8(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(ESCAPED_UTF8_RUN, (run, offset: number) => {
    if (isEscapedBackslash(text, offset)) return run;
    const bytes = Buffer.from(run.replace(/\\/g, ""), "hex");
    return decodeSequences(bytes, run);
  });
}

/** `\\C4` is a literal backslash followed by "C4", not an escape. */
function isEscapedBackslash(text: string, offset: number): boolean {
  let backslashes = 0;
  for (let i = offset - 1; i >= 0 && text[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Each well-formed UTF-8 sequence becomes its character unless it must stay escaped; malformed bytes stay \XX. */
function decodeSequences(bytes: Buffer, original: string): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    const sequence = bytes.subarray(i, i + length);
    const char = sequence.length === length ? decodeOne(sequence) : undefined;
    if (char === undefined || KEEP_ESCAPED.test(char)) {
      out += original.slice(i * 3, (i + 1) * 3);
      i += 1;
    } else {
      out += char;
      i += length;
    }
  }
  return out;
}

const strict = new TextDecoder("utf-8", { fatal: true });

function decodeOne(sequence: Uint8Array): string | undefined {
  try {
    const char = strict.decode(sequence);
    return [...char].length === 1 ? char : undefined;
  } catch {
    return undefined;
  }
}

/** The finding with its texts shown in UTF-8 (see showUtf8). */
export function showFindingUtf8(f: Finding): Finding {
  return { ...f, title: showUtf8(f.title), detail: showUtf8(f.detail), remediation: showUtf8(f.remediation) };
}
