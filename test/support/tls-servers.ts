import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";

/** A loopback server a test probes; `close()` ends it and every connection it holds. */
export interface LoopbackServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, sockets: Set<Socket>): Promise<LoopbackServer> {
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      if (addr === null || typeof addr === "string") return reject(new Error("no address"));
      resolve({
        host: "127.0.0.1",
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A node:tls server with the given key/cert (cert may be a PEM chain). */
export function startTlsServer(options: TlsOptions): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createTlsServer(options, (s) => s.end("ok\n"));
  server.on("tlsClientError", () => undefined);
  return listen(server, sockets);
}

/** A raw TCP server whose behaviour on each connection is `onConnection`. */
export function startRawServer(onConnection: (socket: Socket) => void): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createNetServer(onConnection);
  return listen(server, sockets).then((s) => ({
    ...s,
    close: () => {
      for (const t of timers) clearInterval(t);
      return s.close();
    },
  }));
}

/** Accepts and never says anything. */
export const silentPeer = () => startRawServer(() => undefined);

/** Answers any ClientHello with one byte every 200 ms: a handshake that never completes. */
export function tricklePeer(): Promise<LoopbackServer> {
  return startRawServer((socket) => {
    // The start of a real ServerHello record header, one byte at a time.
    const bytes = [0x16, 0x03, 0x03, 0x40, 0x00];
    let i = 0;
    const t = setInterval(() => {
      if (socket.destroyed) return clearInterval(t);
      socket.write(Buffer.from([bytes[i % bytes.length]!]));
      i++;
    }, 200);
    socket.on("close", () => clearInterval(t));
  });
}

/** An HTTP/1.1 server's answer to a TLS ClientHello. */
export const httpPeer = () =>
  startRawServer((socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  });

/** An SSH server speaks first with its banner. */
export const sshPeer = () => startRawServer((socket) => socket.write("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));

/**
 * Answers the ClientHello with a fatal TLS alert, byte for byte what Go's crypto/tls sends when the
 * kubelet's GetCertificate has no serving certificate (`remote error: tls: internal error`): a TLS 1.2
 * record of type alert (21), level fatal (2), description 80.
 */
export function alertPeer(description = 80): Promise<LoopbackServer> {
  return startRawServer((socket) => {
    socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description])));
  });
}

/**
 * A loopback port that refuses connections and stays refused: a privileged port with nothing on it. A port
 * bound and released would do only until another test's listen(0) is handed the same number by the kernel
 * (tests run concurrently); ports below 1024 are never handed out that way.
 */
export async function refusedPort(): Promise<number> {
  for (const port of [1, 3, 4, 6, 8, 10, 12, 14, 16, 18]) {
    if (await connectRefused(port)) return port;
  }
  throw new Error("no refused privileged port on 127.0.0.1 (1-18 all answer)");
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

/** `openssl s_server` on a loopback port; `args` are extra s_server flags (e.g. -Verify 1 -CAfile ca.crt). */
export function startOpensslServer(cwd: string, args: string[]): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn("openssl", ["s_server", "-accept", "127.0.0.1:0", ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`openssl s_server did not start: ${out}`));
    }, 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      child.stdout!.resume();
      child.stderr!.resume();
      resolve({
        host: "127.0.0.1",
        port: Number(m[1]),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill();
          }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (child.stdout!.listenerCount("data") > 0) reject(new Error(`openssl s_server exited ${code}: ${out}`));
    });
  });
}
