/**
 * The typed location ref: where an item, an issue or a trust context is. One value (`SourceRef`) with
 * exactly one formatter (`formatRef`) and one parser (`parseRef`) for the stable string form
 * `kind:location#key` that the JSON report, the metrics labels, the store and users' jq depend on.
 * Producers build refs with the constructors below; consumers ask the value (`ref.kind === "secret"`,
 * `ref.namespace`) instead of testing string prefixes. Pure: no IO.
 *
 * String forms (unchanged on the wire):
 *   file:/etc/kubernetes/pki/ca.crt            file:/bundle.pem#2        (key = block index)
 *   kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin[/key][/N]   #clusters/NAME[/N]
 *   secret:NS/NAME#KEY[/N]   configmap:NS/NAME#KEY[/N]   service:NS/NAME
 *   csr:NAME  webhook:NAME#webhooks/0/clientConfig/caBundle  apiservice:NAME#spec.caBundle  crd:NAME#…
 *   node:NAME  cluster:NAME#certificate-authority-data  agent:NODE
 *   role:NS/NAME  rolebinding:NS/NAME  clusterrole:NAME  clusterrolebinding:NAME
 *   endpoint:HOST:PORT[#N | #ca/N]   kube-api:/api/v1/namespaces/NS/secrets#list
 *   process:COMM[PID]:/path[#key]    dir:/abs/dir (a trust context)
 *
 * The one ambiguity of the unchanged string form: a location may itself hold `#`. Where a kind's keys
 * have a known shape (files: a block index; kubeconfigs: `users/…`, `clusters/…`, `contexts/…`), the
 * parser splits at that shape, so `file:/a#b/c.pem#2` is the file `/a#b/c.pem`, block 2. Kubernetes
 * names never hold `#`, so their refs split at the first one.
 */

/** Ref kinds certdoctor produces. The string form accepts any lower-case kind; these are the known ones. */
export const REF_KINDS = [
  "file",
  "kubeconfig",
  "secret",
  "configmap",
  "service",
  "csr",
  "webhook",
  "apiservice",
  "crd",
  "node",
  "cluster",
  "endpoint",
  "kube-api",
  "process",
  "dir",
  "agent",
  "role",
  "rolebinding",
  "clusterrole",
  "clusterrolebinding",
] as const;

export type RefKind = (typeof REF_KINDS)[number];

export interface SourceRef {
  /** `file`, `secret`, … (see REF_KINDS); the stable `source kind` prefix of the string form. */
  kind: string;
  /** What names the place within its kind: a path, `NS/NAME`, a name, `HOST:PORT`. */
  location: string;
  /** The part after `#`: a Secret key, a kubeconfig entry, a block index, a field path. */
  key?: string;
  /** Secrets, ConfigMaps and Services: the namespace (derived from `location`). */
  namespace?: string;
  /** Namespaced objects: the object name (derived from `location`). */
  name?: string;
  /** `node:` and `agent:` refs: the node name (the `location`). */
  node?: string;
  /** `process:` refs: the process view, `COMM[PID]`; `location` is then the path the process sees. */
  process?: string;
}

const KIND = /^[a-z][a-z0-9.-]*$/;
const NAMESPACED = new Set(["secret", "configmap", "service", "role", "rolebinding"]);
const NODE_KINDS = new Set(["node", "agent"]);
/** Kinds whose location is a filesystem path, where `#` may occur in the location itself. */
const PATH_KINDS = new Set(["file", "kubeconfig", "process", "dir"]);
const KUBECONFIG_KEY = /#(?:users|clusters|contexts)\//;
const KUBECONFIG_ENTRY = /^(?:users|clusters|contexts)\//;
/** A file's block index; `#2/1` is block 1 of the value found as block 2 (a base64 value salvaged from broken YAML). */
const BLOCK_KEY = /#(\d+(?:\/\d+)*)$/;

/** The stable string form `kind:location#key`. */
export function formatRef(ref: SourceRef): string {
  const head = ref.process === undefined ? `${ref.kind}:` : `${ref.kind}:${ref.process}:`;
  return ref.key === undefined ? head + ref.location : `${head}${ref.location}#${ref.key}`;
}

/** Parses the string form; undefined when `s` has no `kind:` prefix. `formatRef(parseRef(s)!) === s`. */
export function parseRef(s: string): SourceRef | undefined {
  const colon = s.indexOf(":");
  if (colon <= 0) return undefined;
  const kind = s.slice(0, colon);
  if (!KIND.test(kind)) return undefined;
  let rest = s.slice(colon + 1);
  let process: string | undefined;
  if (kind === "process") {
    const end = processIdEnd(rest);
    if (end < 0) return undefined;
    process = rest.slice(0, end);
    rest = rest.slice(end + 1);
  }
  const hash = keyStart(kind, rest);
  const location = hash < 0 ? rest : rest.slice(0, hash);
  const key = hash < 0 ? undefined : rest.slice(hash + 1);
  return makeRef(kind, location, key, process);
}

/** The kind of a ref's string form without parsing the rest (hot paths that only branch on the kind); "" when it has none. */
export function refKindOf(s: string): string {
  const colon = s.indexOf(":");
  return colon <= 0 ? "" : s.slice(0, colon);
}

/** Like parseRef for refs certdoctor made itself: a malformed one is a programming error. */
export function mustParseRef(s: string): SourceRef {
  const ref = parseRef(s);
  if (ref === undefined) throw new TypeError(`not a location ref: ${JSON.stringify(s.slice(0, 200))}`);
  return ref;
}

/** `COMM[PID]` ends at the first `]:`; a view without a pid ends at the first `:`. */
function processIdEnd(rest: string): number {
  const bracket = rest.indexOf("]:");
  if (bracket >= 0) return bracket + 1;
  return rest.indexOf(":");
}

function keyStart(kind: string, rest: string): number {
  if (!PATH_KINDS.has(kind)) return rest.indexOf("#");
  if (kind === "dir") return -1;
  const entry = kind === "file" ? null : KUBECONFIG_KEY.exec(rest);
  if (entry !== null) return entry.index;
  const block = BLOCK_KEY.exec(rest);
  return block === null ? -1 : block.index;
}

/** The canonical value for its parts: derived fields (namespace, name, node) filled in from `location`. */
export function makeRef(kind: string, location: string, key?: string, process?: string): SourceRef {
  const ref: SourceRef = { kind, location };
  if (key !== undefined) ref.key = key;
  if (process !== undefined) ref.process = process;
  if (NAMESPACED.has(kind)) {
    const slash = location.indexOf("/");
    if (slash >= 0) {
      ref.namespace = location.slice(0, slash);
      ref.name = location.slice(slash + 1);
    }
  } else if (NODE_KINDS.has(kind)) {
    ref.node = location;
  }
  return ref;
}

// Constructors: every producer builds its refs through these (or makeRef) and formatRef.

export function fileRef(path: string, block?: number): SourceRef {
  return makeRef("file", path, block === undefined ? undefined : String(block));
}

export function kubeconfigRef(path: string, key?: string): SourceRef {
  return makeRef("kubeconfig", path, key);
}

/** `secret:NS/NAME#KEY`, `configmap:NS/NAME#KEY`, `service:NS/NAME`. */
export function objectRef(kind: "secret" | "configmap" | "service" | "role" | "rolebinding", namespace: string, name: string, key?: string): SourceRef {
  return makeRef(kind, `${namespace}/${name}`, key);
}

/** `csr:NAME`, `webhook:NAME`, `apiservice:NAME`, `crd:NAME`, `node:NAME`, `cluster:NAME` (+ `#key`). */
export function namedRef(kind: "csr" | "webhook" | "apiservice" | "crd" | "node" | "cluster" | "agent" | "clusterrole" | "clusterrolebinding", name: string, key?: string): SourceRef {
  return makeRef(kind, name, key);
}

/** `endpoint:HOST:PORT`, `#N` for the N-th certificate presented, `#ca/N` for its client-CA list. */
export function endpointRef(address: string, key?: string): SourceRef {
  return makeRef("endpoint", address, key);
}

/** `kube-api:/api/v1/namespaces/NS/secrets#list`: a request to the API server that failed. */
export function kubeApiRef(path: string, verb: string): SourceRef {
  return makeRef("kube-api", path, verb);
}

export function dirRef(path: string): SourceRef {
  return makeRef("dir", path);
}

/** `process:COMM[PID]:/path#key`: what a process sees at `path` in its own mount namespace. */
export function processRef(process: string, path: string, key?: string): SourceRef {
  return makeRef("process", path, key, process);
}

/** The same place with another key (undefined drops it). */
export function withKey(ref: SourceRef, key: string | undefined): SourceRef {
  return makeRef(ref.kind, ref.location, key, ref.process);
}

/** Block `n` of a value holding several: `file:/b.pem#2`, `secret:ns/n#tls.crt/1`, `kubeconfig:/k#users/u/1`. */
export function blockRef(ref: SourceRef, n: number): SourceRef {
  return withKey(ref, ref.key === undefined ? String(n) : `${ref.key}/${n}`);
}

/** How many `/`-separated parts a kind's key has before a block index may follow. */
function keyParts(kind: string, key: string): number {
  if (kind === "kubeconfig" || (kind === "process" && KUBECONFIG_ENTRY.test(key))) return 3;
  if (kind === "file" || kind === "endpoint" || kind === "process") return 1;
  return 2;
}

/**
 * The block index a ref names within a multi-block value, and the ref of that value:
 * `file:/b.pem#2` -> 2 of `file:/b.pem`; `secret:ns/n#tls.crt/1` -> 1 of `secret:ns/n#tls.crt`;
 * `kubeconfig:/k#users/u/1` -> 1 of `kubeconfig:/k#users/u`. Undefined when the ref names a whole value.
 */
export function splitBlock(ref: SourceRef): { value: SourceRef; index: number } | undefined {
  if (ref.key === undefined) return undefined;
  const parts = ref.key.split("/");
  const last = parts[parts.length - 1]!;
  if (parts.length < keyParts(ref.kind, ref.key) || !/^\d+$/.test(last)) return undefined;
  return { value: withKey(ref, parts.length === 1 ? undefined : parts.slice(0, -1).join("/")), index: Number(last) };
}

/** The block index a ref string names within its value; 0 for a whole value (or a string that is no ref). */
export function blockIndexOf(ref: string): number {
  const value = parseRef(ref);
  return value === undefined ? 0 : blockIndex(value);
}

/** `blockIndexOf` for a parsed ref. */
export function blockIndex(ref: SourceRef): number {
  return splitBlock(ref)?.index ?? 0;
}

/** The ref string of the whole value a block ref belongs to (`file:/b.pem#2` -> `file:/b.pem`); undefined for a whole value. */
export function valueRefOf(ref: string): string | undefined {
  const value = parseRef(ref);
  const block = value === undefined ? undefined : splitBlock(value);
  return block === undefined ? undefined : formatRef(block.value);
}

/** The key without the block index: `tls.crt/1` -> `tls.crt`, `users/u/1` -> `users/u`. */
export function valueKeyOf(ref: SourceRef): string | undefined {
  const block = splitBlock(ref);
  return block === undefined ? ref.key : block.value.key;
}

export type KubeconfigSection = "users" | "clusters" | "contexts";

/**
 * The kubeconfig entry a `kubeconfig:` (or a process's kubeconfig) ref names, without its block index:
 * `#users/admin/1` -> { section: "users", name: "admin" }; a client key's `#users/admin/key` -> name `admin/key`.
 */
export function kubeconfigEntry(ref: SourceRef): { section: KubeconfigSection; name: string } | undefined {
  if ((ref.kind !== "kubeconfig" && ref.kind !== "process") || ref.key === undefined) return undefined;
  const key = valueKeyOf(ref) ?? "";
  const m = /^(users|clusters|contexts)\/(.*)$/s.exec(key);
  return m === null ? undefined : { section: m[1] as KubeconfigSection, name: m[2]! };
}

/** The process of a `process:COMM[PID]:…` ref. */
export function processOf(ref: SourceRef): { comm: string; pid: string } | undefined {
  const m = ref.process === undefined ? null : /^(.*)\[(\d+)\]$/s.exec(ref.process);
  return m === null ? undefined : { comm: m[1]!, pid: m[2]! };
}

/** The filesystem path a ref names, for kinds that name one on this machine (files, kubeconfigs, dirs). */
export function refPath(ref: SourceRef): string | undefined {
  return ref.kind === "file" || ref.kind === "kubeconfig" || ref.kind === "dir" ? ref.location : undefined;
}

/** Host and port of an `endpoint:` ref (`[::1]:443` keeps its brackets off the host). */
export function endpointHostPort(ref: SourceRef): { host: string; port: number } | undefined {
  if (ref.kind !== "endpoint") return undefined;
  const colon = ref.location.lastIndexOf(":");
  if (colon < 0) return undefined;
  const port = Number(ref.location.slice(colon + 1));
  if (!Number.isInteger(port)) return undefined;
  const host = ref.location.slice(0, colon);
  return { host: host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host, port };
}
