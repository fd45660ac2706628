/**
 * The source registry: every kind of place certificates come from, in one explicit list (no
 * self-registration through side-effect imports). Each entry has its stable kind — the source label
 * value of metrics, the store and the report — and makes its Source from typed options. The CLI's flag
 * groups (cli/source-options.ts) only turn flags into these options. The Kubernetes and endpoint modules
 * are loaded when first made: a file scan never loads @kubernetes/client-node (~0.4 s, ~100 MiB).
 * The node agent's process view (`process`) is a source of its own in src/agent/.
 */
import type { Source } from "../model/scan.js";
import { fileSource, type FileSource, type FileSourceOptions } from "./file/index.js";
import type { DiscoverOptions } from "./kubernetes/discover-endpoints.js";
import type { KubeClient, KubeSource, KubeSourceOptions } from "./kubernetes/index.js";
import type { EndpointSourceOptions, EndpointTarget } from "./tls-endpoint/index.js";

/** Stable source kinds. */
export type SourceKind = "file" | "kube-api" | "tls-endpoint" | "process";

export const sources = {
  /** Files and directories: PEM, DER, PKCS#12, keys, CSRs, kubeconfigs, Kubernetes manifests. */
  file: {
    kind: "file",
    make(roots: readonly string[], options: FileSourceOptions = {}): FileSource {
      return fileSource(roots, options);
    },
  },
  /** The Kubernetes API: Secrets, ConfigMaps, CSRs, webhook/APIService/CRD caBundles, Nodes, cert-manager objects. */
  kubernetes: {
    kind: "kube-api",
    async make(options: KubeSourceOptions): Promise<KubeSource> {
      const { kubeSource } = await import("./kubernetes/index.js");
      return kubeSource(options);
    },
  },
  /** Live TLS endpoints named by the user (`--endpoint`, `--endpoints-file`). */
  endpoints: {
    kind: "tls-endpoint",
    async make(targets: readonly EndpointTarget[], options: EndpointSourceOptions = {}): Promise<Source> {
      const { endpointSource } = await import("./tls-endpoint/index.js");
      return endpointSource(targets, options);
    },
  },
  /** The TLS endpoints a connected cluster names: API server, kubelets, CloudCore, webhook Services. */
  discoveredEndpoints: {
    kind: "tls-endpoint",
    async make(connect: () => KubeClient, discover: DiscoverOptions, probe: EndpointSourceOptions = {}): Promise<Source> {
      const { discoveredEndpointSource } = await import("./kubernetes/discover-endpoints.js");
      return discoveredEndpointSource(connect, discover, probe);
    },
  },
} as const satisfies Record<string, { kind: SourceKind; make(...args: never[]): Source | Promise<Source> }>;
