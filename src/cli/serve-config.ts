/**
 * `certdoctor serve --config FILE`: a YAML (or JSON) file with the same keys as the long flags
 * (`path`, `database`, `listen`, `token-file`, …). A key given on the command line wins. An unknown key
 * or a value of the wrong type is ERR_CONFIG_INVALID naming the key (exit 2), before anything starts.
 */
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { load } from "js-yaml";
import { CertdoctorError, ErrorCode, describeError } from "../errors.js";

type KeyType = "string" | "list" | "boolean" | "number-or-string";

/** Config keys (kebab-case, as the flags) and their types. */
export const SERVE_CONFIG_KEYS: Record<string, KeyType> = {
  path: "list",
  database: "string",
  listen: "string",
  interval: "string",
  retention: "string",
  "token-file": "string",
  auth: "boolean",
  "no-auth": "boolean",
  "tls-cert": "string",
  "tls-key": "string",
  "client-ca": "string",
  "agent-silent-after": "string",
  now: "string",
  "warn-days": "number-or-string",
  "crit-days": "number-or-string",
  kube: "boolean",
  kubeconfig: "string",
  context: "string",
  "in-cluster": "boolean",
  namespace: "list",
  "kube-qps": "number-or-string",
  "kube-burst": "number-or-string",
  "kube-timeout": "string",
  endpoint: "list",
  "endpoints-file": "string",
  "endpoint-timeout": "number-or-string",
  "endpoint-concurrency": "number-or-string",
  "endpoint-client-cas": "boolean",
  "probe-discovered": "boolean",
  "kubelet-port": "number-or-string",
  "metrics-config": "string",
  "metrics-public": "boolean",
  "trim-path-components": "number-or-string",
  "expose-relative-metrics": "boolean",
  "expose-per-cert-error-metrics": "boolean",
  "expose-labels": "string",
  "leader-elect": "boolean",
  "leader-elect-namespace": "string",
  "leader-elect-name": "string",
  "leader-elect-lease-duration": "string",
  "leader-elect-renew-deadline": "string",
  "leader-elect-retry-period": "string",
};

const MAX_CONFIG_BYTES = 1024 * 1024;

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function invalid(file: string, key: string, why: string): never {
  throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--config ${file}: ${key}: ${why}`);
}

/** Reads the file and returns its values keyed by the flags' camelCase names. */
export function readServeConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--config ${file}: ${describeError(err)}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = load(text, { json: true });
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--config ${file}: not valid YAML (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) invalid(file, "(top level)", "must be a mapping of flag names to values");
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const type = SERVE_CONFIG_KEYS[key];
    if (type === undefined) invalid(file, key, `unknown key (known: ${Object.keys(SERVE_CONFIG_KEYS).join(", ")})`);
    if (type === "string" && typeof value !== "string") invalid(file, key, "must be a string");
    if (type === "boolean" && typeof value !== "boolean") invalid(file, key, "must be true or false");
    if (type === "number-or-string" && typeof value !== "number" && typeof value !== "string") invalid(file, key, "must be a number");
    if (type === "list") {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) invalid(file, key, "must be a string or a list of strings");
      out[camel(key)] = list;
      continue;
    }
    if (key === "no-auth") out.auth = value !== true;
    else out[camel(key)] = type === "number-or-string" ? String(value) : value;
  }
  return out;
}

/** Fills `flags` from the config file for every key not given on the command line. */
export function applyServeConfig(cmd: Command, flags: Record<string, unknown>, config: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(config)) {
    if (cmd.getOptionValueSource(key) === "cli") continue;
    flags[key] = value;
  }
}
