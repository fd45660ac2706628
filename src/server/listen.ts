/**
 * Puts the app on a socket: plain HTTP, or HTTPS with `--tls-cert/--tls-key` and, with `--client-ca`,
 * client certificates requested and verified (an agent may then authenticate with one instead of a
 * token; a connection without one still gets in and must show a token). Loopback by default: binding
 * every interface must be asked for (`--listen 0.0.0.0:PORT`). Bounded header size and timeouts.
 */
import { getRequestListener } from "@hono/node-server";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { App } from "./app.js";

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

export interface ListenOptions {
  host: string;
  port: number;
  tls?: TlsMaterial;
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback); throws ERR_USAGE otherwise. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--listen must be HOST:PORT, e.g. 127.0.0.1:8443 (got "${value}")`);
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

export async function listen(app: App, options: ListenOptions): Promise<Listening> {
  const handler = getRequestListener(app.fetch);
  const common = { maxHeaderSize: 16 * 1024, requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          ...common,
          cert: options.tls.cert,
          key: options.tls.key,
          minVersion: "TLSv1.2",
          ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
        },
        handler,
      )
    : createHttpServer(common, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new CertdoctorError(ErrorCode.ERR_USAGE, `cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`, { cause: err })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `${options.tls ? "https" : "http"}://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
