/**
 * The dashboard's static files at `/`: the Vite build in dist/web (built by `npm run build:web`, run by
 * `prepare` and `npm test`; never committed). index.html answers `/` and every deep link the web app's
 * router knows (DASHBOARD_PATHS), with `no-cache` and a strict Content-Security-Policy: scripts, styles,
 * fonts and API calls from this origin only, no inline script, no framing. Files under /assets/ have
 * content-hashed names and are cached for a year. The files hold no data and need no token: the app
 * asks for one (a login form; kept in sessionStorage) when the API answers 401.
 *
 * The build is read once, on the first request, into memory with a gzip copy of each text file; a build
 * that is missing answers 503 saying how to make it, and the API keeps working.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";
import type { RouteModule } from "./app.js";

/** The app's views; the server answers each with index.html so a deep link or a reload works. */
export const DASHBOARD_PATHS = [
  "/",
  "/findings",
  "/certificates",
  "/certificates/:fingerprint",
  "/trust-graph",
  "/timeline",
  "/nodes",
  "/nodes/:name",
  "/namespaces",
  "/namespaces/:name",
] as const;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

const MAX_FILES = 500;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
}

/** Where the build lands: dist/web beside dist/src (this module runs from dist/src/server/). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL("../../web/", import.meta.url));
}

/** Reads the build into memory; undefined when there is none (no index.html). */
export function loadAssets(root: string): Map<string, Asset> | undefined {
  if (!existsSync(join(root, "index.html"))) return undefined;
  const assets = new Map<string, Asset>();
  let total = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      const type = TYPES[extname(entry.name)];
      if (!entry.isFile() || type === undefined) continue;
      total += statSync(full).size;
      if (assets.size >= MAX_FILES || total > MAX_TOTAL_BYTES) throw new Error(`dashboard build in ${root} is larger than ${MAX_FILES} files / ${MAX_TOTAL_BYTES} bytes`);
      const body = readFileSync(full);
      const text = type.startsWith("text/") || type === "image/svg+xml" || type === "application/json";
      const hash = createEtag(body);
      assets.set("/" + relative(root, full).split(sep).join("/"), { body, type, etag: hash, ...(text && body.length > 1024 ? { gzip: gzipSync(body, { level: 9 }) } : {}) });
    }
  };
  walk(root);
  return assets;
}

function createEtag(body: Buffer): string {
  // FNV-1a over the bytes: cheap, stable across restarts; the build's file names already carry a content hash
  let h = 0x811c9dc5;
  for (const b of body) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `"${body.length.toString(16)}-${h.toString(16)}"`;
}

function securityHeaders(c: Context): void {
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
}

function send(c: Context, asset: Asset, cacheControl: string): Response {
  securityHeaders(c);
  c.header("Cache-Control", cacheControl);
  c.header("ETag", asset.etag);
  c.header("Content-Type", asset.type);
  c.header("Vary", "Accept-Encoding");
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
  if (asset.gzip && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    c.header("Content-Encoding", "gzip");
    return c.body(new Uint8Array(asset.gzip), 200);
  }
  return c.body(new Uint8Array(asset.body), 200);
}

/** The route module, reading the build from `root` (dist/web by default). */
export function dashboardRoutesFrom(root: string): RouteModule {
  let assets: Map<string, Asset> | undefined;
  const current = (): Map<string, Asset> | undefined => (assets ??= loadAssets(root));
  const notBuilt = (c: Context): Response => {
    securityHeaders(c);
    c.header("Cache-Control", "no-store");
    return c.text("The dashboard is not built in this copy of certdoctor (no dist/web/index.html). Run `npm run build:web`, or `npm install` in a checkout. The API under /api/v1/ works without it.\n", 503);
  };
  return {
    name: "dashboard",
    register(app) {
      for (const path of DASHBOARD_PATHS) {
        app.get(path, (c) => {
          const index = current()?.get("/index.html");
          return index === undefined ? notBuilt(c) : send(c, index, "no-cache");
        });
      }
      app.get("/assets/*", (c) => {
        const asset = current()?.get(c.req.path);
        return asset === undefined ? c.notFound() : send(c, asset, "public, max-age=31536000, immutable");
      });
      app.get("/favicon.svg", (c) => {
        const asset = current()?.get("/favicon.svg");
        return asset === undefined ? c.notFound() : send(c, asset, "public, max-age=86400");
      });
    },
  };
}

export const dashboardRoutes: RouteModule = dashboardRoutesFrom(defaultWebRoot());
