import { isIP } from "node:net";

/** One endpoint to probe: `HOST:PORT[,sni=NAME][,ca=FILE]`. */
export interface EndpointTarget {
  /** Host name or IP address as given (IPv6 without brackets). */
  host: string;
  port: number;
  /** Server name to send; defaults to the host when it is a name (never an IP, per RFC 6066). */
  sni?: string;
  /** File holding the CA certificates this endpoint's clients trust. */
  ca?: string;
  /** The same, in memory (a kubeconfig's certificate-authority-data): `ref` names where it came from. */
  caData?: { ref: string; bytes: Uint8Array };
}

/** Longest accepted spec line; longer lines are rejected, not truncated. */
export const MAX_SPEC_CHARS = 4096;
/** Most endpoints taken from one file. */
export const MAX_ENDPOINTS_PER_FILE = 100_000;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export type SpecResult = { ok: true; target: EndpointTarget } | { ok: false; reason: string };

/** Parses one endpoint spec. Pure and total: bad input is a `{ ok: false }` result, never a throw. */
export function parseEndpointSpec(spec: string): SpecResult {
  if (typeof spec !== "string") return { ok: false, reason: "not a string" };
  const text = spec.trim();
  if (text.length === 0) return { ok: false, reason: "empty" };
  if (text.length > MAX_SPEC_CHARS) return { ok: false, reason: `longer than ${MAX_SPEC_CHARS} characters` };
  const [hostPort = "", ...options] = text.split(",");
  const hp = splitHostPort(hostPort.trim());
  if (!hp.ok) return hp;
  const target: EndpointTarget = { host: hp.host, port: hp.port };
  for (const raw of options) {
    const opt = raw.trim();
    const eq = opt.indexOf("=");
    if (eq <= 0) return { ok: false, reason: `option "${opt}" is not NAME=VALUE` };
    const name = opt.slice(0, eq);
    const value = opt.slice(eq + 1);
    if (value.length === 0) return { ok: false, reason: `option ${name} has an empty value` };
    if (name === "sni") {
      if (target.sni !== undefined) return { ok: false, reason: "sni given twice" };
      if (isIP(value) !== 0 || !HOSTNAME.test(value)) return { ok: false, reason: "sni must be a DNS name" };
      target.sni = value;
    } else if (name === "ca") {
      if (target.ca !== undefined) return { ok: false, reason: "ca given twice" };
      target.ca = value;
    } else {
      return { ok: false, reason: `unknown option ${name} (known: sni, ca)` };
    }
  }
  return { ok: true, target };
}

function splitHostPort(text: string): { ok: true; host: string; port: number } | { ok: false; reason: string } {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") return { ok: false, reason: "expected [IPv6]:PORT" };
    host = text.slice(1, close);
    if (isIP(host) !== 6) return { ok: false, reason: "not an IPv6 address inside brackets" };
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon <= 0) return { ok: false, reason: "expected HOST:PORT" };
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) return { ok: false, reason: "IPv6 addresses need brackets: [::1]:443" };
    if (isIP(host) === 0 && !HOSTNAME.test(host)) return { ok: false, reason: "not a valid host name or IP address" };
  }
  if (!/^\d{1,5}$/.test(portText)) return { ok: false, reason: "port must be a number" };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { ok: false, reason: "port must be 1-65535" };
  return { ok: true, host: host.toLowerCase(), port };
}

/** `HOST:PORT` as used in refs and contexts (`[v6]:PORT` for IPv6). */
export function endpointAddress(t: { host: string; port: number }): string {
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** The server name sent in the handshake: explicit sni, else the host when it is a DNS name. */
export function serverNameOf(t: EndpointTarget): string | undefined {
  if (t.sni !== undefined) return t.sni;
  return isIP(t.host) === 0 ? t.host.replace(/\.$/, "") : undefined;
}

export interface SpecLineError {
  line: number;
  reason: string;
}

/** Parses an endpoints file: one spec per line, `#` starts a comment, blank lines ignored. */
export function parseEndpointsFile(text: string): { targets: EndpointTarget[]; errors: SpecLineError[] } {
  const targets: EndpointTarget[] = [];
  const errors: SpecLineError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf("#");
    const line = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (line.length === 0) continue;
    if (targets.length >= MAX_ENDPOINTS_PER_FILE) {
      errors.push({ line: i + 1, reason: `more than ${MAX_ENDPOINTS_PER_FILE} endpoints` });
      break;
    }
    const r = parseEndpointSpec(line);
    if (r.ok) targets.push(r.target);
    else errors.push({ line: i + 1, reason: r.reason });
  }
  return { targets, errors };
}
