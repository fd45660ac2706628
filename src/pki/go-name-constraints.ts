/**
 * Go's name-constraint check (crypto/x509 isValid for intermediates and roots): every DNS, email, URI and
 * IP SAN of the certificates below a constrained CA must match a permitted subtree and no excluded one.
 * Returns Go's exact error text. Pure.
 */
import { isIP } from "node:net";
import type { CertRecord, NameConstraints } from "../model/cert.js";

const PREFIX = "x509: a root or intermediate certificate is not authorized to sign for this name: ";

type SanHolder = Pick<CertRecord, "dnsNames" | "ipAddresses" | "emailAddresses" | "uris" | "hasSan">;

/** The first violation Go reports for `ca`'s constraints over the SANs of `below`, or undefined. */
export function goCheckNameConstraints(nc: NameConstraints, below: readonly SanHolder[]): string | undefined {
  // Go counts constraints compared per CA (isValid's comparisonCount) and gives up past 250000 (a DoS bound).
  const count = { n: 0 };
  for (const cert of below) {
    if (!cert.hasSan) continue;
    // Go walks the SAN in encoding order; certdoctor keeps names per type, so types are checked in Go's switch order per name list.
    for (const email of cert.emailAddresses) {
      const at = email.lastIndexOf("@");
      if (at <= 0) return `x509: cannot parse rfc822Name ${quote(email)}`;
      const err = check(count, "email address", email, nc.permittedEmail, nc.excludedEmail, (c) => matchEmail(email, c));
      if (err !== undefined) return err;
    }
    for (const dns of cert.dnsNames) {
      if (reverseLabels(dns) === undefined) return `x509: cannot parse dnsName ${quote(dns)}`;
      const err = check(count, "DNS name", dns, nc.permittedDns, nc.excludedDns, (c) => matchDomain(dns, c));
      if (err !== undefined) return err;
    }
    for (const uri of cert.uris) {
      const err = check(count, "URI", uri, nc.permittedUri, nc.excludedUri, (c) => matchUri(uri, c));
      if (err !== undefined) return err;
    }
    for (const ip of cert.ipAddresses) {
      const err = check(count, "IP address", ip, nc.permittedIp, nc.excludedIp, (c) => matchIp(ip, c));
      if (err !== undefined) return err;
    }
  }
  return undefined;
}

type Match = (constraint: string) => boolean | string;

/** Go's MaxConstraintComparisions default; past it Go fails with TooManyConstraints, which prints as below. */
const MAX_CONSTRAINT_COMPARISONS = 250_000;
const TOO_MANY_CONSTRAINTS = "x509: unknown error";

function check(count: { n: number }, type: string, name: string, permitted: string[], excluded: string[], match: Match): string | undefined {
  count.n += excluded.length;
  if (count.n > MAX_CONSTRAINT_COMPARISONS) return TOO_MANY_CONSTRAINTS;
  for (const c of excluded) {
    const m = match(c);
    if (typeof m === "string") return PREFIX + m;
    if (m) return `${PREFIX}${type} ${quote(name)} is excluded by constraint ${quote(c)}`;
  }
  count.n += permitted.length;
  if (count.n > MAX_CONSTRAINT_COMPARISONS) return TOO_MANY_CONSTRAINTS;
  let ok = true;
  for (const c of permitted) {
    const m = match(c);
    if (typeof m === "string") return PREFIX + m;
    ok = m;
    if (ok) break;
  }
  return ok ? undefined : `${PREFIX}${type} ${quote(name)} is not permitted by any constraint`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Labels right to left; undefined for an empty label, a trailing dot or a byte outside 33..126 (Go's domainToReverseLabels). */
function reverseLabels(domain: string): string[] | undefined {
  if (domain === "") return [];
  const labels = domain.split(".").reverse();
  for (const l of labels) {
    if (l === "") return undefined;
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c < 33 || c > 126) return undefined;
    }
  }
  return labels;
}

/** Go's matchDomainConstraint: "" matches all; a leading "." requires at least one more label. */
function matchDomain(domain: string, constraint: string): boolean | string {
  if (constraint === "") return true;
  const d = reverseLabels(domain);
  if (d === undefined) return `x509: internal error: cannot parse domain ${quote(domain)}`;
  let mustHaveSubdomains = false;
  if (constraint.startsWith(".")) {
    mustHaveSubdomains = true;
    constraint = constraint.slice(1);
  }
  const c = reverseLabels(constraint);
  if (c === undefined) return `x509: internal error: cannot parse domain ${quote(constraint)}`;
  if (d.length < c.length || (mustHaveSubdomains && d.length === c.length)) return false;
  return c.every((label, i) => label.toLowerCase() === d[i]!.toLowerCase());
}

function matchEmail(email: string, constraint: string): boolean | string {
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (constraint.includes("@")) {
    const cat = constraint.lastIndexOf("@");
    return local === constraint.slice(0, cat) && domain.toLowerCase() === constraint.slice(cat + 1).toLowerCase();
  }
  return matchDomain(domain, constraint);
}

function matchUri(uri: string, constraint: string): boolean | string {
  let host: string;
  try {
    host = new URL(uri).host;
  } catch {
    return `x509: internal error: URI SAN ${quote(uri)} failed to parse`;
  }
  if (host === "") return `URI with empty host (${quote(uri)}) cannot be matched against constraints`;
  if (host.includes(":") && !host.endsWith("]")) host = host.slice(0, host.lastIndexOf(":"));
  if ((host.startsWith("[") && host.endsWith("]")) || isIP(host) !== 0) {
    return `URI with IP (${quote(uri)}) cannot be matched against constraints`;
  }
  return matchDomain(host, constraint);
}

function matchIp(ip: string, cidr: string): boolean {
  const slash = cidr.lastIndexOf("/");
  const base = cidr.slice(0, slash);
  const bits = Number(cidr.slice(slash + 1));
  if (isIP(ip) !== isIP(base)) return false;
  const a = toBits(ip);
  const b = toBits(base);
  return a.slice(0, bits) === b.slice(0, bits);
}

function toBits(ip: string): string {
  if (isIP(ip) === 4) return ip.split(".").map((o) => Number(o).toString(2).padStart(8, "0")).join("");
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const groups = (s: string | undefined): string[] => (s === undefined || s === "" ? [] : s.split(":"));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}
