import { ErrorCode } from "../errors.js";
import { decodeBase64 } from "./base64.js";

export interface PemBlock {
  /** The label between BEGIN and the dashes, e.g. "CERTIFICATE", "RSA PRIVATE KEY". */
  label: string;
  /** Decoded body. */
  der: Buffer;
  /** 0-based position among all BEGIN markers of the text, broken blocks included, so refs stay stable. */
  index: number;
  /** RFC 1421 headers present (legacy OpenSSL encrypted keys: "Proc-Type: 4,ENCRYPTED"). */
  encryptedHeader: boolean;
}

export interface PemProblem {
  code: typeof ErrorCode.ERR_PEM_INVALID | typeof ErrorCode.ERR_PEM_TOO_LARGE;
  label: string;
  index: number;
  message: string;
}

export interface PemScan {
  blocks: PemBlock[];
  problems: PemProblem[];
  /** Problems past `maxProblems`: counted, not kept (the first of them stands for the rest). */
  omitted?: { first: PemProblem; count: number };
}

const BEGIN = "-----BEGIN ";
const END = "-----END ";
const DASHES = "-----";
const MAX_LABEL = 64;
/** RFC 7468 labels: printable characters other than '-', single spaces or hyphens between them; may be empty. */
const LABEL = /^(?:[\x21-\x2c\x2e-\x7e](?:[ -]?[\x21-\x2c\x2e-\x7e])*)?$/;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** Cheap test used to classify files before a full scan. */
export function hasPemMarker(text: string): boolean {
  return text.includes(BEGIN);
}

/**
 * Finds every PEM block in `text`. A broken block (no END, bad base64, oversized) becomes a problem
 * and never hides its good neighbours: scanning resumes at the next BEGIN marker.
 */
export function scanPem(text: string, maxBlockBytes: number, maxProblems = Infinity): PemScan {
  const blocks: PemBlock[] = [];
  const problems: PemProblem[] = [];
  let omitted: PemScan["omitted"];
  const noteProblem = (problem: PemProblem) => {
    if (problems.length < maxProblems) problems.push(problem);
    else if (omitted === undefined) omitted = { first: problem, count: 1 };
    else omitted.count++;
  };
  let index = 0;
  let at = text.indexOf(BEGIN);
  let nearestEnd = at === -1 ? -1 : text.indexOf(END, at);
  while (at !== -1) {
    const labelStart = at + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    const nextBegin = text.indexOf(BEGIN, labelStart);
    if (
      labelEnd === -1 ||
      labelEnd - labelStart > MAX_LABEL ||
      (nextBegin !== -1 && labelEnd > nextBegin) ||
      !LABEL.test(text.slice(labelStart, labelEnd))
    ) {
      noteProblem({ code: ErrorCode.ERR_PEM_INVALID, label: "", index, message: "PEM BEGIN line is malformed" });
      index++;
      at = nextBegin;
      continue;
    }
    const label = text.slice(labelStart, labelEnd);
    const bodyStart = labelEnd + DASHES.length;
    const endMarker = END + label + DASHES;
    // The first END line after BEGIN closes the block (as in OpenSSL). The search position is kept
    // between blocks so text with many BEGINs and no END is scanned once, not once per BEGIN.
    if (nearestEnd !== -1 && nearestEnd < bodyStart) nearestEnd = text.indexOf(END, bodyStart);
    const endAt = nearestEnd;
    if (endAt === -1 || (nextBegin !== -1 && endAt > nextBegin) || !text.startsWith(endMarker, endAt)) {
      noteProblem({ code: ErrorCode.ERR_PEM_INVALID, label, index, message: `PEM block "${label}" has no matching END line` });
      index++;
      at = nextBegin;
      continue;
    }
    const result = decodeBody(text.slice(bodyStart, endAt), label, index, maxBlockBytes);
    if ("der" in result) blocks.push(result);
    else noteProblem(result);
    index++;
    at = text.indexOf(BEGIN, endAt + endMarker.length);
  }
  return omitted === undefined ? { blocks, problems } : { blocks, problems, omitted };
}

function decodeBody(raw: string, label: string, index: number, maxBlockBytes: number): PemBlock | PemProblem {
  if (raw.length > maxBlockBytes * 2) {
    return { code: ErrorCode.ERR_PEM_TOO_LARGE, label, index, message: `PEM block "${label}" is larger than ${maxBlockBytes} bytes` };
  }
  let body = raw;
  let encryptedHeader = false;
  if (body.includes(":")) {
    // RFC 1421 headers end at the first empty line.
    const split = body.search(/\r?\n\s*\r?\n/);
    const headers = split === -1 ? body : body.slice(0, split);
    encryptedHeader = /Proc-Type:\s*4,ENCRYPTED/i.test(headers);
    body = split === -1 ? "" : body.slice(split);
  }
  const der = decodeBase64(body);
  if (der === undefined) {
    const reason = BASE64_BODY.test(body) ? "is not valid base64" : "contains characters that are not base64";
    return { code: ErrorCode.ERR_PEM_INVALID, label, index, message: `PEM block "${label}" ${reason}` };
  }
  if (der.length === 0) {
    return { code: ErrorCode.ERR_PEM_INVALID, label, index, message: `PEM block "${label}" is empty` };
  }
  if (der.length > maxBlockBytes) {
    return { code: ErrorCode.ERR_PEM_TOO_LARGE, label, index, message: `PEM block "${label}" is larger than ${maxBlockBytes} bytes` };
  }
  return { label, der, index, encryptedHeader };
}

/** PEM-encodes DER (used for output of public certificates only). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
