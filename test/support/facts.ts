/**
 * In-memory facts for pure rule tests: a certificate record, its locations and an inventory, built from
 * plain values (no files, no parser, no engine). The end-to-end tests in test/rules/ check the same rules
 * on certificates made by openssl; these tables pin what each rule concludes from the facts alone.
 */
import { Inventory } from "../../src/inventory/inventory.js";
import type { CertRecord, CsrInfo, KeyInfo } from "../../src/model/cert.js";
import type { InventoryCert, InventoryCsr, InventoryKey, Location } from "../../src/model/inventory.js";
import type { EndpointItem, KubeCsrItem, KubeObjectItem } from "../../src/model/items.js";
import type { Finding } from "../../src/model/finding.js";
import type { ScanIssue } from "../../src/model/issue.js";
import type { RuleContext } from "../../src/rules/rule.js";

export const DAY = 86_400_000;
export const NOW = Date.parse("2026-06-01T00:00:00Z");
export const ctx: RuleContext = { now: NOW, warnDays: 30, critDays: 7, maxChainLength: 16 };

let serial = 0;

/** A certificate record: a one-year leaf valid around NOW unless told otherwise. `id` names it (fingerprint, subject). */
export function record(id: string, fields: Partial<CertRecord> = {}): CertRecord {
  serial++;
  const subject = fields.subject ?? `CN=${id}`;
  const issuer = fields.issuer ?? (fields.isCA === true ? subject : "CN=ca");
  return {
    fingerprint: id,
    version: 3,
    serialNumber: serial.toString(16).padStart(2, "0"),
    subject,
    issuer,
    subjectDer: hexName(subject),
    issuerDer: hexName(issuer),
    notBefore: NOW - 180 * DAY,
    notAfter: NOW + 185 * DAY,
    isCA: false,
    keyUsage: fields.isCA === true ? ["keyCertSign", "cRLSign"] : ["digitalSignature", "keyEncipherment"],
    extKeyUsage: fields.isCA === true ? [] : ["serverAuth"],
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    keyType: "EC",
    keySize: 256,
    curve: "P-256",
    signatureAlgorithm: "ecdsa-with-SHA256",
    spkiFingerprint: `spki-${id}`,
    selfIssued: subject === issuer,
    ...(fields.isCA === true ? { hasBasicConstraints: true as const } : {}),
    ...fields,
  };
}

const ATTRIBUTE_OIDS: Record<string, number[]> = { CN: [0x55, 0x04, 0x03], O: [0x55, 0x04, 0x0a], OU: [0x55, 0x04, 0x0b], C: [0x55, 0x04, 0x06] };

/** DER (hex) of a simple RFC 4514 name such as `CN=system:node:a,O=system:nodes` (no escapes): what Go compares and quotes. */
export function hexName(name: string): string {
  const rdns = name === "" ? [] : name.split(",").reverse();
  const tlv = (tag: number, body: Buffer): Buffer => {
    if (body.length > 0xffff) throw new RangeError("name too long for a test fact");
    const len = body.length < 0x80 ? [body.length] : body.length < 0x100 ? [0x81, body.length] : [0x82, body.length >> 8, body.length & 0xff];
    return Buffer.concat([Buffer.from([tag, ...len]), body]);
  };
  const sets = rdns.map((rdn) => {
    const eq = rdn.indexOf("=");
    const oid = ATTRIBUTE_OIDS[rdn.slice(0, eq)];
    if (oid === undefined) throw new RangeError(`unknown attribute in test name: ${rdn}`);
    return tlv(0x31, tlv(0x30, Buffer.concat([tlv(0x06, Buffer.from(oid)), tlv(0x0c, Buffer.from(rdn.slice(eq + 1), "utf8"))])));
  });
  return tlv(0x30, Buffer.concat(sets)).toString("hex");
}

/** A live location; `context` defaults to the ref's object or directory. */
export function at(ref: string, fields: Partial<Location> = {}): Location {
  return { ref, context: fields.context ?? ref.replace(/#.*$/, ""), anchor: false, backup: false, ...fields };
}

/** A certificate in the inventory: its record, where it was seen and who verifiably signed it. */
export function cert(rec: CertRecord, locations: Location[], issuers: string[] = [], fields: Partial<InventoryCert> = {}): InventoryCert {
  return {
    record: rec,
    locations,
    backupOnly: locations.length > 0 && locations.every((l) => l.backup),
    issuers,
    rejectedIssuers: [],
    ...fields,
  };
}

export function key(info: Partial<KeyInfo>, location: Location): InventoryKey {
  return { key: { encrypted: false, keyType: "EC", keySize: 256, ...info }, location };
}

export function csrInfo(fields: Partial<CsrInfo> = {}): CsrInfo {
  return {
    subject: "CN=system:node:worker-1,O=system:nodes",
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    keyType: "EC",
    keySize: 256,
    curve: "P-256",
    spkiFingerprint: "spki-request",
    signatureAlgorithm: "ecdsa-with-SHA256",
    signatureValid: true,
    ...fields,
  };
}

export function csrFile(info: CsrInfo, location: Location): InventoryCsr {
  return { csr: info, location };
}

/** A CertificateSigningRequest object as the API source reports it. */
export function kubeCsr(name: string, fields: Partial<KubeCsrItem> = {}): KubeCsrItem {
  return {
    type: "kube-csr",
    ref: `csr:${name}`,
    context: `csr:${name}`,
    name,
    signerName: "kubernetes.io/kubelet-serving",
    usages: ["digital signature", "server auth"],
    username: "system:node:worker-1",
    groups: ["system:nodes", "system:authenticated"],
    createdAt: NOW - 3_600_000,
    conditions: [],
    issued: false,
    ...fields,
  };
}

export function endpoint(host: string, port: number, fields: Partial<EndpointItem> = {}): EndpointItem {
  const ref = `endpoint:${host.includes(":") ? `[${host}]` : host}:${port}`;
  return { type: "endpoint", ref, context: ref, host, port, chain: [], probedAt: NOW, ...fields };
}

export function object(kind: string, ref: string, fields: Partial<KubeObjectItem> = {}): KubeObjectItem {
  return { type: "kube-object", kind, name: ref.replace(/^[^:]*:(?:[^/]*\/)?/, ""), ref, context: ref, ...fields };
}

export interface Facts {
  certs?: InventoryCert[];
  keys?: InventoryKey[];
  csrs?: InventoryCsr[];
  kubeCsrs?: KubeCsrItem[];
  issues?: ScanIssue[];
  endpoints?: EndpointItem[];
  objects?: KubeObjectItem[];
}

export function inventory(f: Facts): Inventory {
  return new Inventory(f.certs ?? [], f.keys ?? [], f.csrs ?? [], f.kubeCsrs ?? [], f.issues ?? [], f.endpoints ?? [], f.objects ?? []);
}

/** `severity location…`: what a table row compares. */
export function brief(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.locations.join(" ")}`);
}
