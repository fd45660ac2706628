/**
 * A minimal TLS 1.2 ClientHello and a parser for the server's first flight, used only to read the
 * CertificateRequest's certificate_authorities (acceptable client-certificate issuers). Node's TLS
 * client does not expose that list, and in TLS 1.3 it travels encrypted; in TLS 1.2 the whole server
 * flight up to ServerHelloDone is plaintext. The probe sends this hello, reads until ServerHelloDone
 * (or an alert), and closes: it never completes a handshake and never sends key material.
 */

/** Most bytes of server flight read; a flight with a long chain is ~10 KiB. */
export const MAX_FLIGHT_BYTES = 256 * 1024;
/** Most CA names taken from one CertificateRequest. */
export const MAX_CA_NAMES = 1024;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_CERTIFICATE_REQUEST = 13;
const HS_SERVER_HELLO_DONE = 14;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;

// ECDHE-ECDSA/RSA with AES-GCM and ChaCha20, then CBC and plain-RSA suites, so old servers answer too.
const CIPHER_SUITES = [
  0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
];
const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019];
const SIG_ALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807, 0x0808, 0x0201, 0x0203];

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function vec16(bytes: number[]): number[] {
  return [...u16(bytes.length), ...bytes];
}

function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...vec16(body)];
}

/** A TLS 1.2 ClientHello record. `random` must be 32 bytes. */
export function buildClientHello(serverName: string | undefined, random: Uint8Array): Uint8Array {
  if (random.length !== 32) throw new RangeError("random must be 32 bytes");
  const exts: number[] = [];
  if (serverName !== undefined && serverName.length > 0 && serverName.length < 256) {
    const name = [...Buffer.from(serverName, "ascii")];
    exts.push(...ext(0x0000, vec16([0x00, ...vec16(name)])));
  }
  exts.push(...ext(0x000a, vec16(GROUPS.flatMap(u16))));
  exts.push(...ext(0x000b, [1, 0]));
  exts.push(...ext(0x000d, vec16(SIG_ALGS.flatMap(u16))));
  exts.push(...ext(0x0017, []));
  exts.push(...ext(0xff01, [0]));
  const body = [0x03, 0x03, ...random, 0, ...vec16(CIPHER_SUITES.flatMap(u16)), 1, 0, ...vec16(exts)];
  const hs = [HS_CLIENT_HELLO, (body.length >> 16) & 0xff, ...u16(body.length), ...body];
  return Uint8Array.from([CT_HANDSHAKE, 0x03, 0x01, ...vec16(hs)]);
}

/** What the server's plaintext TLS 1.2 flight said. */
export interface ServerFlight {
  /** Reading is finished: ServerHelloDone or an alert arrived, or the input is malformed. */
  done: boolean;
  /** TLS version the server chose (0x0303 for TLS 1.2), when a ServerHello arrived. */
  version?: number;
  cipherSuite?: number;
  /** DER certificates of the Certificate message, in order. */
  certificates: Uint8Array[];
  /** The server sent a CertificateRequest. */
  certificateRequested: boolean;
  /** DER Names from the CertificateRequest's certificate_authorities. */
  caNames: Uint8Array[];
  /** The alert description when the server answered with an alert. */
  alert?: number;
  /** Why parsing stopped early (malformed or unexpected input). */
  error?: string;
}

/**
 * Parses whatever prefix of the server's byte stream has arrived. Pure and total: malformed input gives
 * `{ done: true, error }`; an incomplete record gives `{ done: false }` (read more and call again).
 */
export function parseServerFlight(data: Uint8Array): ServerFlight {
  const out: ServerFlight = { done: false, certificates: [], certificateRequested: false, caNames: [] };
  if (data.length > MAX_FLIGHT_BYTES) return { ...out, done: true, error: "server flight too large" };
  // Reassemble the handshake stream from consecutive handshake records.
  const hsChunks: Uint8Array[] = [];
  let pos = 0;
  while (pos + 5 <= data.length) {
    const type = data[pos]!;
    const major = data[pos + 1]!;
    const len = (data[pos + 3]! << 8) | data[pos + 4]!;
    if (major !== 3 || len > 16384 + 2048) return { ...out, done: true, error: "not TLS" };
    if (pos + 5 + len > data.length) break;
    const body = data.subarray(pos + 5, pos + 5 + len);
    pos += 5 + len;
    if (type === CT_ALERT) {
      if (body.length >= 2) out.alert = body[1]!;
      out.done = true;
      break;
    }
    if (type !== CT_HANDSHAKE) return { ...out, done: true, error: `unexpected record type ${type}` };
    hsChunks.push(body);
  }
  if (pos === 0 && data.length >= 5 && data[0] !== CT_HANDSHAKE && data[0] !== CT_ALERT) return { ...out, done: true, error: "not TLS" };
  const hs = Buffer.concat(hsChunks);
  let p = 0;
  while (p + 4 <= hs.length) {
    const msgType = hs[p]!;
    const len = (hs[p + 1]! << 16) | (hs[p + 2]! << 8) | hs[p + 3]!;
    if (p + 4 + len > hs.length) break;
    const msg = hs.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    const problem = readMessage(msgType, msg, out);
    if (problem !== undefined) return { ...out, done: true, error: problem };
    if (msgType === HS_SERVER_HELLO_DONE) {
      out.done = true;
      break;
    }
  }
  return out;
}

function readMessage(type: number, msg: Uint8Array, out: ServerFlight): string | undefined {
  switch (type) {
    case HS_SERVER_HELLO: {
      if (msg.length < 38) return "short ServerHello";
      out.version = (msg[0]! << 8) | msg[1]!;
      const sidLen = msg[34]!;
      if (35 + sidLen + 2 > msg.length) return "short ServerHello";
      out.cipherSuite = (msg[35 + sidLen]! << 8) | msg[36 + sidLen]!;
      return undefined;
    }
    case HS_CERTIFICATE: {
      if (msg.length < 3) return "short Certificate";
      const total = (msg[0]! << 16) | (msg[1]! << 8) | msg[2]!;
      if (3 + total !== msg.length) return "bad Certificate length";
      let q = 3;
      while (q < msg.length) {
        if (q + 3 > msg.length) return "bad certificate entry";
        const n = (msg[q]! << 16) | (msg[q + 1]! << 8) | msg[q + 2]!;
        if (n === 0 || q + 3 + n > msg.length) return "bad certificate entry";
        out.certificates.push(Uint8Array.from(msg.subarray(q + 3, q + 3 + n)));
        q += 3 + n;
      }
      return undefined;
    }
    case HS_CERTIFICATE_REQUEST: {
      out.certificateRequested = true;
      let q = 0;
      if (msg.length < 1) return "short CertificateRequest";
      q += 1 + msg[0]!; // certificate_types
      if (q + 2 > msg.length) return "short CertificateRequest";
      q += 2 + ((msg[q]! << 8) | msg[q + 1]!); // supported_signature_algorithms
      if (q + 2 > msg.length) return "short CertificateRequest";
      const caLen = (msg[q]! << 8) | msg[q + 1]!;
      q += 2;
      if (q + caLen !== msg.length) return "bad certificate_authorities length";
      while (q < msg.length) {
        if (q + 2 > msg.length) return "bad DistinguishedName";
        const n = (msg[q]! << 8) | msg[q + 1]!;
        if (n === 0 || q + 2 + n > msg.length) return "bad DistinguishedName";
        if (out.caNames.length < MAX_CA_NAMES) out.caNames.push(Uint8Array.from(msg.subarray(q + 2, q + 2 + n)));
        q += 2 + n;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
