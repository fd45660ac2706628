/**
 * Builds the dashboard (web/) into dist/web, where the server's static route (src/server/dashboard.ts)
 * serves it. `npm run build:web`; run by `prepare` and `npm test`. The graph library is a separate chunk
 * loaded when the trust graph is opened, so the findings page does not wait for it.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    // the server sends every file with a strict CSP; an inlined asset would need data: everywhere
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
});
