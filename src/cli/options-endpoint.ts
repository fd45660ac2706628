import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode, describeError } from "../errors.js";
import { sources as registry } from "../sources/index.js";
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS } from "../sources/tls-endpoint/index.js";
import { parseEndpointSpec, parseEndpointsFile, type EndpointTarget } from "../sources/tls-endpoint/spec.js";
import type { CliIO } from "./io.js";
import { parsePositiveInt } from "./options.js";
import type { SourceOptionGroup } from "./source-options.js";

const MAX_ENDPOINTS_FILE_BYTES = 16 * 1024 * 1024;

/** `--endpoint`, `--endpoints-file`, `--endpoint-timeout`, `--endpoint-concurrency`, `--no-endpoint-client-cas`: live TLS endpoints. */
export const endpointOptions: SourceOptionGroup = {
  addOptions(cmd: Command): Command {
    return cmd
      .option("--endpoint <spec>", "probe a TLS endpoint: HOST:PORT[,sni=NAME][,ca=FILE] (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option("--endpoints-file <file>", "probe every endpoint listed in FILE (one spec per line, # comments)")
      .option("--endpoint-timeout <ms>", `connect + handshake deadline per endpoint (default ${DEFAULT_TIMEOUT_MS})`)
      .option("--endpoint-concurrency <n>", `endpoints probed at once (default ${DEFAULT_CONCURRENCY})`)
      .option("--no-endpoint-client-cas", "leave out the client-CA names a server accepts (and, where node:tls probes instead of the lean capture, the second, plaintext TLS 1.2 hello that reads them)");
  },
  async buildSources(flags, io: CliIO) {
    const specs = (flags.endpoint as string[] | undefined) ?? [];
    const file = flags.endpointsFile as string | undefined;
    if (specs.length === 0 && file === undefined) return [];
    const targets: EndpointTarget[] = [];
    for (const spec of specs) {
      const r = parseEndpointSpec(spec);
      if (!r.ok) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--endpoint ${JSON.stringify(spec)}: ${r.reason}`);
      targets.push(r.target);
    }
    if (file !== undefined) targets.push(...readEndpointsFile(resolve(io.cwd, file)));
    const withAbsoluteCa = targets.map((t) => (t.ca === undefined ? t : { ...t, ca: resolve(io.cwd, t.ca) }));
    const timeout = flags.endpointTimeout as string | undefined;
    const concurrency = flags.endpointConcurrency as string | undefined;
    return [
      await registry.endpoints.make(withAbsoluteCa, {
        ...(timeout === undefined ? {} : { timeoutMs: parsePositiveInt("--endpoint-timeout", timeout, 1) }),
        ...(concurrency === undefined ? {} : { concurrency: parsePositiveInt("--endpoint-concurrency", concurrency, 1) }),
        // commander sets endpointClientCas to true unless --no-endpoint-client-cas is given.
        clientCAs: flags.endpointClientCas !== false,
      }),
    ];
  },
};

function readEndpointsFile(path: string): EndpointTarget[] {
  let text: string;
  try {
    if (statSync(path).size > MAX_ENDPOINTS_FILE_BYTES) throw new Error(`larger than ${MAX_ENDPOINTS_FILE_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--endpoints-file ${path}: ${describeError(err)}`, { cause: err });
  }
  const { targets, errors } = parseEndpointsFile(text);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--endpoints-file ${path}, line ${first.line}: ${first.reason}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`);
  }
  return targets;
}
