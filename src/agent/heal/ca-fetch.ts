/**
 * GET CloudCore's CA (`https://CLOUDCORE:10002/ca.crt`), bounded: one deadline for connect, handshake and
 * the whole body (a server that drips bytes cannot hold the agent), and a size cap. The TLS connection is
 * not verified — the agent does not trust CloudCore yet, that is the point — so nothing fetched is trusted
 * for being fetched: kubeedge-ca-resync accepts it only through the pin and the serving-certificate check.
 */
import { request } from "node:https";
import { isIP } from "node:net";

export type CaFetch = { ok: true; bytes: Buffer; ms: number } | { ok: false; reason: string; ms: number };

export function fetchCa(url: URL, timeoutMs: number, maxBytes: number): Promise<CaFetch> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: { ok: true; bytes: Buffer } | { ok: false; reason: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...r, ms: elapsed() });
    };
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const req = request(url, {
      method: "GET",
      agent: false,
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      headers: { accept: "application/x-x509-ca-cert, application/octet-stream, */*" },
    });
    const timer = setTimeout(() => done({ ok: false, reason: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code ?? "connection failed" }));
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        done({ ok: false, reason: `HTTP ${res.statusCode}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) done({ ok: false, reason: `answer larger than ${maxBytes} bytes` });
        else chunks.push(c);
      });
      res.on("end", () => done({ ok: true, bytes: Buffer.concat(chunks) }));
      res.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code ?? "read error" }));
      res.on("aborted", () => done({ ok: false, reason: "connection closed mid-answer" }));
    });
    req.end();
  });
}
