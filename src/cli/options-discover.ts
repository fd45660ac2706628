import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Source } from "../model/scan.js";
import { sources as registry } from "../sources/index.js";
import type { CliIO } from "./io.js";
import { buildKubeSources, type KubeFlags } from "./options-kube.js";
import { parsePositiveInt } from "./options.js";
import type { SourceOptionGroup } from "./source-options.js";

/** `--probe-discovered`, `--kubelet-port`: probe the TLS endpoints the connected cluster names (API server, kubelets, CloudCore, webhook Services). */
export const discoverOptions: SourceOptionGroup = {
  addOptions(cmd: Command): Command {
    return cmd
      .option("--probe-discovered", "with --kube/--kubeconfig/--in-cluster: also probe the API server, every node's kubelet, KubeEdge CloudCore and the Services behind webhooks/APIServices")
      .option("--kubelet-port <n>", "kubelet port probed on every node with --probe-discovered (default 10250)");
  },
  async buildSources(flags, io: CliIO): Promise<Source[]> {
    if (flags.probeDiscovered !== true) {
      if (flags.kubeletPort !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--kubelet-port needs --probe-discovered");
      return [];
    }
    const kube = await buildKubeSources(flags as KubeFlags, io);
    if (kube.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--probe-discovered needs --kube, --kubeconfig or --in-cluster");
    const kubeletPort = flags.kubeletPort === undefined ? undefined : parsePositiveInt("--kubelet-port", flags.kubeletPort as string, 1);
    if (kubeletPort !== undefined && kubeletPort > 65535) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--kubelet-port must be 1-65535");
    const timeout = flags.endpointTimeout as string | undefined;
    const concurrency = flags.endpointConcurrency as string | undefined;
    return Promise.all(
      kube.map((k) =>
        registry.discoveredEndpoints.make(() => k.connect(), kubeletPort === undefined ? {} : { kubeletPort }, {
          ...(timeout === undefined ? {} : { timeoutMs: parsePositiveInt("--endpoint-timeout", timeout, 1) }),
          ...(concurrency === undefined ? {} : { concurrency: parsePositiveInt("--endpoint-concurrency", concurrency, 1) }),
          clientCAs: flags.endpointClientCas !== false,
        }),
      ),
    );
  },
};
