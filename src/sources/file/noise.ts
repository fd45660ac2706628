import { basename, extname } from "node:path";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { isScanIssue } from "../../model/scan.js";
import { fileRef, formatRef } from "../../model/ref.js";
import { hasCertExtension, hasTextConfigExtension } from "./naming.js";

type Out = Array<RawItem | ScanIssue>;

/**
 * Files that quote certificate text without being certificate files: source code and scripts (test
 * vectors, `"-----BEGIN " + label`), documentation, and systemd/ini-style units.
 */
const NOT_CERTIFICATE_FILE =
  /\.(?:py|pyc|pyi|go|js|mjs|cjs|ts|tsx|jsx|c|h|cc|cpp|cxx|hh|hpp|rs|java|kt|scala|groovy|rb|pl|pm|php|cs|swift|m|lua|tcl|sh|bash|zsh|fish|ps1|el|vim|html?|xml|svg|md|markdown|rst|txt|adoc|tex|tmpl|tpl|erb|j2|mod|sum|patch|diff|service|socket|timer|mount|target|ini|cfg|toml|properties|gz|bz2|xz|zst|zip|jar|whl)$/i;
/** A YAML/JSON parse error means something only where YAML or JSON was expected. */
const STRUCTURED_START = /^(?:\s*#[^\n]*\n)*\s*(?:\{|apiVersion\s*:|kind\s*:|clusters\s*:|users\s*:|contexts\s*:|current-context\s*:|items\s*:|preferences\s*:)/;

/**
 * A big tree (`scan /usr`) is full of text that looks like certificate material and is not: PGP and
 * SSH signature blocks, scripts and sources quoting PEM text, binaries with PEM strings, unit files
 * whose `[Section]` reads as a YAML flow sequence. Their problems are not findings: one
 * ERR_FILE_NOT_MATERIAL note per file stands for them. Certificates such a file holds are still read,
 * and a file with a certificate name (`.crt`, `.pem`, `.key` ...) always has its problems reported.
 */
export function demoteNoise(items: Out, path: string, content: { binary: true } | { binary: false; text: string }): Out {
  if (!items.some((i) => isScanIssue(i))) return items;
  if (hasCertExtension(path) || /\.(?:key|csr)$/i.test(path)) return items;
  const quotesMaterial = content.binary || isScriptOrSource(path, content.text);
  const structured = !content.binary && expectsStructured(path, content.text);
  const noise = (i: ScanIssue) => !i.material || (i.code === ErrorCode.ERR_YAML_INVALID ? !structured : quotesMaterial);
  const noisy = items.filter((i): i is ScanIssue => isScanIssue(i) && noise(i) && isMaterialProblem(i));
  if (noisy.length === 0) return items;
  const kept = items.filter((i) => !noisy.includes(i as ScanIssue));
  const first = noisy[0]!;
  const more = noisy.length > 1 ? ` (and ${noisy.length - 1} more)` : "";
  const note: ScanIssue = { code: ErrorCode.ERR_FILE_NOT_MATERIAL, ref: formatRef(fileRef(path)), message: `not certificate material: ${first.message}${more}`, material: false };
  return [note, ...kept];
}

/** .yaml/.json/.kubeconfig always; .conf (admin.conf, but also systemd drop-ins) and names without an extension when they open like Kubernetes YAML/JSON. */
function expectsStructured(path: string, text: string): boolean {
  if (/\.(?:ya?ml|json|kubeconfig)$/i.test(path)) return true;
  const ext = extname(basename(path));
  return (ext === "" || hasTextConfigExtension(path)) && STRUCTURED_START.test(text.slice(0, 4096));
}

/** Parse problems of content (not I/O, size or permission notes, which stay as they are). */
function isMaterialProblem(issue: ScanIssue): boolean {
  return (
    issue.code === ErrorCode.ERR_PEM_INVALID ||
    issue.code === ErrorCode.ERR_PEM_TOO_LARGE ||
    issue.code === ErrorCode.ERR_YAML_INVALID ||
    issue.code === ErrorCode.ERR_KEY_INVALID ||
    issue.code === ErrorCode.ERR_DER_INVALID ||
    issue.code === ErrorCode.ERR_CSR_INVALID
  );
}

function isScriptOrSource(path: string, text: string): boolean {
  return NOT_CERTIFICATE_FILE.test(basename(path)) || text.startsWith("#!");
}
