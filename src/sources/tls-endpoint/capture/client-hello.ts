/**
 * The capture's ClientHello: TLS 1.3 and 1.2 offered, one X25519 key share, cipher suites, groups and
 * signature algorithms in the order Node 20's TLS client offers them, so a server that follows the
 * client's preference answers this hello as it answers node:tls (same suite, same certificate).
 */
import { TLS13_SUITES } from "./key-schedule.js";

export const GROUP_X25519 = 0x001d;
// x25519, secp256r1, x448, secp521r1, secp384r1 (OpenSSL 3's default list, as node:tls sends it).
const GROUPS = [0x001d, 0x0017, 0x001e, 0x0019, 0x0018];
/** TLS 1.2 suites Node offers (ECDHE then DHE then plain RSA; GCM, ChaCha20, CBC), in its order. */
export const TLS12_SUITES: ReadonlyArray<[number, string]> = [
  [0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
  [0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
  [0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"],
  [0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"],
  [0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"],
  [0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"],
  [0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"],
  [0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"],
  [0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"],
  [0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"],
  [0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"],
  [0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"],
  [0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"],
  [0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"],
  [0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"],
  [0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"],
  [0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"],
  [0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"],
];
// OpenSSL 3's default signature algorithms, in its order.
const SIG_ALGS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x081a, 0x081b, 0x081c, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302,
  0x0402, 0x0502, 0x0602,
];

export interface ClientHelloInput {
  serverName?: string;
  random: Uint8Array;
  sessionId: Uint8Array;
  x25519Public: Uint8Array;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function vec8(bytes: ArrayLike<number>): number[] {
  return [bytes.length, ...Array.from(bytes)];
}

function vec16(bytes: ArrayLike<number>): number[] {
  return [...u16(bytes.length), ...Array.from(bytes)];
}

function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...vec16(body)];
}

// Everything but the random, session id, server name and key share is the same in every hello: built once.
const SUITES = vec16([...TLS13_SUITES.map((s) => s.id), ...TLS12_SUITES.map(([id]) => id), 0x00ff].flatMap(u16));
const FIXED_EXTENSIONS = Buffer.from([
  ...ext(0x000b, vec8([0, 1, 2])),
  ...ext(0x000a, vec16(GROUPS.flatMap(u16))),
  ...ext(0x0023, []),
  ...ext(0x0016, []),
  ...ext(0x0017, []),
  ...ext(0x000d, vec16(SIG_ALGS.flatMap(u16))),
  ...ext(0x002b, vec8([0x03, 0x04, 0x03, 0x03])),
  ...ext(0x002d, vec8([1])),
  // key_share: one X25519 entry, its 32-byte key appended per hello
  ...u16(0x0033), ...u16(2 + 4 + 32), ...u16(4 + 32), ...u16(GROUP_X25519), ...u16(32),
]);

function serverNameExtension(name: string | undefined): Buffer {
  if (name === undefined || name.length === 0 || name.length >= 256) return Buffer.alloc(0);
  const host = Buffer.from(name, "ascii");
  return Buffer.concat([Buffer.from([...u16(0x0000), ...u16(host.length + 5), ...u16(host.length + 3), 0x00, ...u16(host.length)]), host]);
}

/** The ClientHello handshake message (type + 3-byte length + body): what the transcript hash covers. */
export function buildClientHelloMessage(input: ClientHelloInput): Uint8Array {
  if (input.random.length !== 32 || input.sessionId.length !== 32 || input.x25519Public.length !== 32) throw new RangeError("random, session id and key share are 32 bytes each");
  const sni = serverNameExtension(input.serverName);
  const extLength = sni.length + FIXED_EXTENSIONS.length + 32;
  const bodyLength = 2 + 32 + 33 + SUITES.length + 2 + 2 + extLength;
  return Buffer.concat([
    Buffer.from([0x01, (bodyLength >> 16) & 0xff, ...u16(bodyLength), 0x03, 0x03]),
    input.random,
    Buffer.from([32]),
    input.sessionId,
    Buffer.from([...SUITES, 1, 0, ...u16(extLength)]),
    sni,
    FIXED_EXTENSIONS,
    input.x25519Public,
  ]);
}

/** A handshake message in one plaintext handshake record. */
export function handshakeRecord(message: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, ...u16(message.length)]), message]);
}
