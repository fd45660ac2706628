import type { Command } from "commander";
import type { Source } from "../model/scan.js";
import type { CliIO } from "./io.js";
import { discoverOptions } from "./options-discover.js";
import { endpointOptions } from "./options-endpoint.js";
import { kubeOptions } from "./options-kube.js";

/**
 * A group of `scan` flags that adds sources beyond files (the Kubernetes API, TLS endpoints, ...).
 * Each group lives in its own module and is listed in `sourceOptionGroups`; it turns flags into the
 * options of a source kind of the registry (src/sources/index.ts), which makes the Source.
 */
export interface SourceOptionGroup {
  /** Adds the group's flags to a command. */
  addOptions(cmd: Command): Command;
  /** The sources the parsed flags ask for (none when the group's flags are absent). Throws CertdoctorError(ERR_USAGE) on bad flags. */
  buildSources(flags: Record<string, unknown>, io: CliIO): Source[] | Promise<Source[]>;
}

/** Every source option group, in the order their flags appear in `--help`. */
export const sourceOptionGroups: SourceOptionGroup[] = [kubeOptions, endpointOptions, discoverOptions];
