const BASE64_WITH_SPACE = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Strict standard base64 (RFC 4648 §4) with whitespace allowed, as in PEM bodies and wrapped Secret
 * values. Undefined when the text is not base64: Node's decoder silently skips bad characters, so its
 * output is only trusted when its length proves every character was used.
 */
export function decodeBase64(text: string): Buffer | undefined {
  // Node's decoder also takes the URL-safe alphabet; that is not standard base64.
  if (text.indexOf("-") !== -1 || text.indexOf("_") !== -1) return undefined;
  const decoded = Buffer.from(text, "base64");
  const chars = text.length - countChar(text, "\n") - countChar(text, "\r");
  if (chars % 4 === 0 && decoded.length === (chars / 4) * 3 - trailingPad(text)) return decoded;
  return decodeSlowly(text);
}

/** The careful path for anything unusual: other whitespace, unpadded input, or bad characters. */
function decodeSlowly(text: string): Buffer | undefined {
  if (!BASE64_WITH_SPACE.test(text)) return undefined;
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 === 1 || /=[^=]|={3}/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

function trailingPad(text: string): number {
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  if (text[end - 1] !== "=") return 0;
  return text[end - 2] === "=" ? 2 : 1;
}
