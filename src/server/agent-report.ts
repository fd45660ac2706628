/**
 * An agent report (docs/agent.md, "POST contract") checked field by field and turned into the store's
 * Observation for scope `agent:<node>`. Everything is bounded (items per list, characters per string);
 * a report that breaks the contract is refused as a whole with the field named (ERR_REPORT_INVALID), so
 * nothing from it is stored. A report carrying private key material is refused outright.
 */
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Severity } from "../model/finding.js";
import { findingId, impactAt } from "../store/finding-id.js";
import type { AgentReportMeta, Observation, ObservedCert, ObservedFinding, ObservedPlacement } from "../store/types.js";
import { parseHealEvents } from "./agent-report-heal.js";

const MAX_TEXT = 16 * 1024;
const MAX_NAME = 253;
const MAX_LIST = 1024;
const HEX64 = /^[0-9a-f]{64}$/;
const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

type Obj = Record<string, unknown>;

function invalid(field: string, why: string): never {
  throw new CertdoctorError(ErrorCode.ERR_REPORT_INVALID, `report field ${field}: ${why}`);
}

function obj(v: unknown, field: string): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) invalid(field, "must be an object");
  return v as Obj;
}

function str(v: unknown, field: string, max = MAX_TEXT, optional = false): string {
  if (v === undefined || v === null) {
    if (optional) return "";
    invalid(field, "is required");
  }
  if (typeof v !== "string") invalid(field, "must be a string");
  if (v.length > max) invalid(field, `longer than ${max} characters`);
  return v;
}

function list(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(field, "must be an array");
  if (v.length > max) invalid(field, `more than ${max} entries`);
  return v;
}

function time(v: unknown, field: string): number {
  const t = Date.parse(str(v, field, 64));
  if (Number.isNaN(t)) invalid(field, "must be an ISO-8601 time");
  return t;
}

function fingerprints(v: unknown, field: string): string[] {
  return list(v, field, MAX_LIST).map((x, i) => {
    const s = str(x, `${field}[${i}]`, 64);
    if (!HEX64.test(s)) invalid(`${field}[${i}]`, "must be a SHA-256 fingerprint (64 lowercase hex digits)");
    return s;
  });
}

function refs(v: unknown, field: string): string[] {
  return list(v, field, MAX_LIST).map((x, i) => {
    const s = str(x, `${field}[${i}]`, 4096);
    if (!/^[a-z][a-z0-9.-]*:/.test(s)) invalid(`${field}[${i}]`, "is not a location ref (kind:location#key)");
    return s;
  });
}

export interface ReportHeaders {
  idempotencyKey?: string;
  agentId?: string;
  sequence?: string;
}

export interface ParsedReport {
  meta: AgentReportMeta;
  observation: Observation;
}

/** Checks the headers and body of one POSTed report; throws ERR_REPORT_INVALID naming the first problem. */
export function parseAgentReport(body: unknown, headers: ReportHeaders, receivedAt: number, maxItems: number): ParsedReport {
  const root = obj(body, "(body)");
  if (root.schemaVersion !== 1) invalid("schemaVersion", "must be 1");
  const agent = obj(root.agent, "agent");
  const node = str(agent.nodeName, "agent.nodeName", MAX_NAME);
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(node)) invalid("agent.nodeName", "must be a node name (letters, digits, '.', '-', '_')");
  const agentId = str(agent.agentId, "agent.agentId", 128);
  if (!/^[A-Za-z0-9-]{1,128}$/.test(agentId)) invalid("agent.agentId", "must be the agent's id (a UUID)");
  const sequence = agent.sequence;
  if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 1) invalid("agent.sequence", "must be a whole number >= 1");
  const key = `${agentId}:${sequence}`;
  if (headers.idempotencyKey !== undefined && headers.idempotencyKey !== key) invalid("Idempotency-Key", `header "${headers.idempotencyKey.slice(0, 140)}" does not match the body's agentId:sequence`);
  if (headers.agentId !== undefined && headers.agentId !== agentId) invalid("X-Certdoctor-Agent-Id", "header does not match agent.agentId");
  if (headers.sequence !== undefined && headers.sequence !== String(sequence)) invalid("X-Certdoctor-Sequence", "header does not match agent.sequence");
  const scannedAt = time(agent.scannedAt, "agent.scannedAt");
  const spool = agent.spool === undefined ? {} : obj(agent.spool, "agent.spool");
  const dropped = typeof spool.dropped === "number" && Number.isSafeInteger(spool.dropped) && spool.dropped >= 0 ? spool.dropped : 0;
  const scope = `agent:${node}`;
  const source = { kind: "agent" as const, name: node };

  const keyFingerprints = new Set<string>();
  for (const [i, k] of list(root.keys, "keys", maxItems).entries()) {
    const fp = obj(k, `keys[${i}]`).publicKeyFingerprint;
    if (typeof fp === "string" && HEX64.test(fp)) keyFingerprints.add(fp);
  }

  const certificates: ObservedCert[] = [];
  const placements: ObservedPlacement[] = [];
  const notAfter = new Map<string, number>();
  for (const [i, c] of list(root.certificates, "certificates", maxItems).entries()) {
    const f = `certificates[${i}]`;
    const o = obj(c, f);
    const fingerprint = str(o.fingerprint, `${f}.fingerprint`, 64);
    if (!HEX64.test(fingerprint)) invalid(`${f}.fingerprint`, "must be 64 lowercase hex digits");
    const spki = typeof o.spkiFingerprint === "string" && HEX64.test(o.spkiFingerprint) ? o.spkiFingerprint : undefined;
    const cert: ObservedCert = {
      fingerprint,
      subject: str(o.subject, `${f}.subject`, 4096, true),
      issuer: str(o.issuer, `${f}.issuer`, 4096, true),
      serialNumber: str(o.serialNumber, `${f}.serialNumber`, 256, true),
      notBefore: time(o.notBefore, `${f}.notBefore`),
      notAfter: time(o.notAfter, `${f}.notAfter`),
      isCA: o.isCA === true,
      keyType: str(o.keyType, `${f}.keyType`, 32, true),
      keySize: typeof o.keySize === "number" && Number.isSafeInteger(o.keySize) ? o.keySize : 0,
      signatureAlgorithm: str(o.signatureAlgorithm, `${f}.signatureAlgorithm`, 128, true),
      dnsNames: list(o.dnsNames, `${f}.dnsNames`, MAX_LIST).map((x, j) => str(x, `${f}.dnsNames[${j}]`, MAX_NAME)),
      ipAddresses: list(o.ipAddresses, `${f}.ipAddresses`, MAX_LIST).map((x, j) => str(x, `${f}.ipAddresses[${j}]`, 64)),
      issuers: fingerprints(o.issuers, `${f}.issuers`),
    };
    if (typeof o.subjectKeyId === "string") cert.subjectKeyId = str(o.subjectKeyId, `${f}.subjectKeyId`, 256);
    if (typeof o.authorityKeyId === "string") cert.authorityKeyId = str(o.authorityKeyId, `${f}.authorityKeyId`, 256);
    if (spki !== undefined) cert.spkiFingerprint = spki;
    certificates.push(cert);
    notAfter.set(fingerprint, cert.notAfter);
    const role = o.role === null || o.role === undefined ? undefined : str(o.role, `${f}.role`, 512);
    const backup = o.backup === true;
    for (const ref of refs(o.locations, `${f}.locations`)) {
      placements.push({ ref, fingerprint, node, ...(role ? { role } : {}), anchor: false, backup, keyPresent: spki !== undefined && keyFingerprints.has(spki), source });
    }
  }

  const findings: ObservedFinding[] = [];
  for (const [i, x] of list(root.findings, "findings", maxItems).entries()) {
    const f = `findings[${i}]`;
    const o = obj(x, f);
    const rule = str(o.rule, `${f}.rule`, 128);
    const severity = str(o.severity, `${f}.severity`, 16) as Severity;
    if (!SEVERITIES.includes(severity)) invalid(`${f}.severity`, "must be critical, warning or info");
    const certs = fingerprints(o.certificates, `${f}.certificates`);
    const locations = refs(o.locations, `${f}.locations`);
    const impact = impactAt(rule, certs.map((fp) => notAfter.get(fp)).filter((t): t is number => t !== undefined), scannedAt);
    findings.push({
      id: findingId({ rule, locations, certificates: certs }, scope),
      rule,
      severity,
      title: str(o.title, `${f}.title`),
      detail: str(o.detail, `${f}.detail`, MAX_TEXT, true),
      remediation: str(o.remediation, `${f}.remediation`, MAX_TEXT, true),
      certificates: certs,
      locations,
      node,
      ...(impact === undefined ? {} : { impactAt: impact }),
    });
  }
  const issues = list(root.notes, "notes", maxItems).map((x, i) => {
    const o = obj(x, `notes[${i}]`);
    return { code: str(o.code, `notes[${i}].code`, 64), ref: str(o.location, `notes[${i}].location`, 4096, true), message: str(o.message, `notes[${i}].message`, MAX_TEXT, true) };
  });

  return {
    meta: { agentId, sequence, node, agentVersion: str(agent.agentVersion, "agent.agentVersion", 64, true), receivedAt, scannedAt, dropped, healEvents: parseHealEvents(agent.heal) },
    observation: {
      scope,
      source,
      startedAt: scannedAt,
      evaluatedAt: scannedAt,
      durationMs: typeof agent.scanDurationMs === "number" && Number.isFinite(agent.scanDurationMs) ? Math.max(0, Math.round(agent.scanDurationMs)) : 0,
      certificates,
      placements,
      findings,
      issues,
    },
  };
}

/** Private key material in a report body: refused before anything is parsed or stored. */
export function holdsPrivateKey(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text);
}
