/**
 * Go's Certificate.VerifyHostname and HostnameError texts (crypto/x509, Go 1.15+: the subject CN is
 * never used as a host name). Pure.
 */
import { isIP } from "node:net";
import type { CertRecord } from "../model/cert.js";
import { goSubjectNames } from "./go-names.js";

type Names = Pick<CertRecord, "dnsNames" | "ipAddresses" | "subjectDer" | "hasSan">;

/** undefined when `host` is valid for the certificate, else the exact error Go returns. */
export function goVerifyHostname(cert: Names, host: string): string | undefined {
  const candidateIp = host.length >= 3 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(candidateIp) !== 0) {
    const want = ipBytes(candidateIp);
    if (cert.ipAddresses.some((ip) => sameIp(ipBytes(ip), want))) return undefined;
    return hostnameError(cert, candidateIp);
  }
  const candidate = lowerAscii(host);
  const validCandidate = isValidHostname(candidate, false);
  for (const pattern of cert.dnsNames) {
    if (validCandidate && isValidHostname(pattern, true) ? matchHostnames(pattern, candidate) : matchExactly(pattern, candidate)) return undefined;
  }
  return hostnameError(cert, host);
}

function hostnameError(cert: Names, host: string): string {
  if (!cert.hasSan && matchHostnames(goSubjectNames(cert.subjectDer).commonName, host)) {
    return "x509: certificate relies on legacy Common Name field, use SANs instead";
  }
  let valid: string;
  if (isIP(host) !== 0) {
    if (cert.ipAddresses.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    valid = cert.ipAddresses.join(", ");
  } else {
    valid = cert.dnsNames.join(", ");
  }
  if (valid === "") return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** RFC 6125 2.2 with Go's leniency: letters, digits, '-' not first, '_'; a pattern may start with a whole "*" label. */
function isValidHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern && host.endsWith(".")) host = host.slice(0, -1);
  if (host.length === 0 || host === "*") return false;
  const parts = host.split(".");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "") return false;
    if (isPattern && i === 0 && part === "*") continue;
    for (let j = 0; j < part.length; j++) {
      const c = part[j]!;
      if ((c >= "a" && c <= "z") || (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || c === "_" || (c === "-" && j !== 0)) continue;
      return false;
    }
  }
  return true;
}

function matchExactly(a: string, b: string): boolean {
  if (a === "" || a === "." || b === "" || b === ".") return false;
  return lowerAscii(a) === lowerAscii(b);
}

function matchHostnames(pattern: string, host: string): boolean {
  pattern = lowerAscii(pattern);
  host = lowerAscii(host.endsWith(".") ? host.slice(0, -1) : host);
  if (pattern === "" || host === "") return false;
  const p = pattern.split(".");
  const h = host.split(".");
  if (p.length !== h.length) return false;
  return p.every((part, i) => (i === 0 && part === "*") || part === h[i]);
}

/** 16-byte form (IPv4 mapped), as net.IP.Equal compares. */
function ipBytes(ip: string): number[] {
  if (isIP(ip) === 4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.split(".").map(Number)];
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const parse = (s: string | undefined): number[] => (s === undefined || s === "" ? [] : s.split(":").flatMap(groupBytes));
  const h = parse(head);
  const t = parse(tail);
  return [...h, ...new Array<number>(16 - h.length - t.length).fill(0), ...t];
}

function groupBytes(g: string): number[] {
  if (g.includes(".")) return g.split(".").map(Number); // embedded IPv4
  const v = parseInt(g, 16);
  return [v >> 8, v & 0xff];
}

function sameIp(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
