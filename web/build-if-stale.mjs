#!/usr/bin/env node
/**
 * For `npm start`: builds the dashboard (npm run build:web) only when dist/web is missing or older than
 * a file under web/ or package-lock.json, so a start after `npm install` does not wait for Vite.
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "web", "index.html");

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(newest(join(root, "web")), statSync(join(root, "package-lock.json")).mtimeMs);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  execSync("npm run --silent build:web", { cwd: root, stdio: "inherit" });
}
