/**
 * Child process of the endpoint bench: `node dist/bench/endpoint-servers.js` with an IPC channel.
 * On `start` it issues its leaves and opens one node:tls listener per leaf on an ephemeral port of
 * 127.0.0.1; each asks for (but does not require) a client certificate, listing the bench client CA.
 * It answers `stats` with its connection counters (and resets them) and ends on `stop` or when the
 * parent goes away.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:tls";
import { certPem, issueServerLeaves, type EndpointCaMaterial, type ServerKeyAlg } from "./endpoint-pki.js";

export interface StartMessage {
  type: "start";
  cas: EndpointCaMaterial;
  alg: ServerKeyAlg;
  first: number;
  count: number;
  nowIso: string;
}

export interface ServedEndpoint {
  port: number;
  fingerprint: string;
  notAfterSeconds: number;
  index: number;
}

export interface ServerStats {
  /** TCP connections accepted. */
  connections: number;
  /** TLS handshakes completed. */
  handshakes: number;
  /** Connections that ended before a completed handshake, by error code (certdoctor's plaintext flight read ends this way by design). */
  clientErrors: Record<string, number>;
  /** CPU time (user + system) the server process spent since the last report, ms. */
  cpuMs: number;
}

export type ChildMessage =
  | { type: "ready"; endpoints: ServedEndpoint[]; openFilesLimit: string; alg: ServerKeyAlg }
  | { type: "stats"; stats: ServerStats }
  | { type: "error"; message: string };

const servers: Server[] = [];
let stats: ServerStats = { connections: 0, handshakes: 0, clientErrors: {}, cpuMs: 0 };
let cpuMark = process.cpuUsage();

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The soft open-files limit this process runs with (raised by the parent's `ulimit -n` wrapper). */
function readOpenFilesLimit(): string {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    return line?.split(/\s{2,}/)[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", 4096, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function start(msg: StartMessage): Promise<void> {
  const pki = await issueServerLeaves(msg.cas, msg.alg, msg.first, msg.count, new Date(msg.nowIso));
  const endpoints: ServedEndpoint[] = [];
  for (let n = 0; n < pki.leaves.length; n++) {
    const leaf = pki.leaves[n]!;
    const server = createServer(
      { key: pki.keyPem, cert: certPem(leaf.der) + pki.caPem, requestCert: true, rejectUnauthorized: false, ca: pki.clientCaPem },
      (socket) => {
        stats.handshakes++;
        socket.on("error", () => undefined);
        socket.end();
      },
    );
    server.on("connection", (socket) => {
      stats.connections++;
      socket.on("error", () => undefined);
    });
    server.on("tlsClientError", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "TLS_ERROR";
      stats.clientErrors[code] = (stats.clientErrors[code] ?? 0) + 1;
    });
    servers.push(server);
    endpoints.push({ port: await listen(server), fingerprint: leaf.fingerprint, notAfterSeconds: leaf.notAfterSeconds, index: msg.first + n });
  }
  send({ type: "ready", endpoints, openFilesLimit: readOpenFilesLimit(), alg: msg.alg });
}

function stop(): void {
  for (const s of servers) s.close();
  process.exit(0);
}

process.on("message", (msg: StartMessage | { type: "stats" } | { type: "stop" }) => {
  if (msg.type === "start") {
    start(msg).catch((err: unknown) => send({ type: "error", message: err instanceof Error ? err.message : String(err) }));
  } else if (msg.type === "stats") {
    const cpu = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    send({ type: "stats", stats: { ...stats, cpuMs: Math.round((cpu.user + cpu.system) / 1000) } });
    stats = { connections: 0, handshakes: 0, clientErrors: {}, cpuMs: 0 };
  } else if (msg.type === "stop") stop();
});
process.on("disconnect", stop);
