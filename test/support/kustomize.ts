/**
 * A small, strict subset of `kustomize build` for the tests of deploy/ (kustomize is not installable here):
 * a Kustomization's `resources` (YAML files inside its directory, or directories holding another
 * Kustomization, anywhere) and `patches` given by `path` (strategic-merge patches inside its directory,
 * each naming its target by apiVersion/kind/name/namespace). Strategic merge as far as deploy/ uses it:
 * maps merge, `null` deletes a key, the lists Kubernetes merges by key (containers, initContainers, volumes
 * and env by name, volumeMounts by mountPath) merge by that key, every other list is replaced. Anything
 * else — another Kustomization field, a `$patch` directive, a file outside the root (kustomize's default
 * load restriction), a patch without a target, two objects with one identity — throws, so a manifest
 * needing more than this is noticed, not rendered wrong. Test-only code.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import yaml from "js-yaml";

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

const KUSTOMIZATION_KEYS = new Set(["apiVersion", "kind", "resources", "patches"]);
/** The lists strategic merge merges, and their merge keys (k8s.io/api's patchMergeKey tags). */
const MERGE_KEYS: Record<string, string> = { containers: "name", initContainers: "name", volumes: "name", env: "name", volumeMounts: "mountPath" };

export function identity(o: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }): string {
  return `${String(o.apiVersion)}/${String(o.kind)}/${String(o.metadata?.namespace ?? "")}/${String(o.metadata?.name)}`;
}

/** Every YAML document of a file, empty ones dropped. */
export function readDocs(file: string): K8sObject[] {
  return yaml.loadAll(readFileSync(file, "utf8")).filter((d): d is K8sObject => d !== null && d !== undefined);
}

function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r !== "" && !r.startsWith("..") && !r.startsWith("/");
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Strategic merge of `patch` into `base` (a new value; neither input is changed). */
export function strategicMerge(base: unknown, patch: unknown, key = ""): unknown {
  if (isMap(patch) && "$patch" in patch) throw new Error(`$patch directives are not supported (at ${key})`);
  const mergeKey = MERGE_KEYS[key];
  if (Array.isArray(patch) && mergeKey !== undefined && Array.isArray(base)) {
    if (!patch.every((p) => isMap(p) && typeof p[mergeKey] === "string")) throw new Error(`every item of ${key} needs its merge key ${mergeKey}`);
    const out = base.map((b) => structuredClone(b) as unknown);
    for (const p of patch as Array<Record<string, unknown>>) {
      const at = out.findIndex((b) => isMap(b) && b[mergeKey] === p[mergeKey]);
      if (at === -1) out.push(strategicMerge(undefined, p, ""));
      else out[at] = strategicMerge(out[at], p, "");
    }
    return out;
  }
  if (!isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMap(base) ? structuredClone(base) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v, k);
  }
  return out;
}

/** The objects `kustomize build DIR` would print (in resource order; patches applied). */
export function render(dir: string): K8sObject[] {
  const root = resolve(dir);
  const file = join(root, "kustomization.yaml");
  if (!existsSync(file)) throw new Error(`${root}: no kustomization.yaml`);
  const k = yaml.load(readFileSync(file, "utf8")) as Record<string, unknown>;
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_KEYS.has(key)) throw new Error(`${file}: field ${key} is not supported by the test renderer`);
  if (k.kind !== "Kustomization") throw new Error(`${file}: kind must be Kustomization`);
  const out: K8sObject[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = resolve(root, r);
    if (!existsSync(path)) throw new Error(`${file}: resource ${r} does not exist`);
    if (statSync(path).isDirectory()) out.push(...render(path));
    else {
      if (!isInside(root, path)) throw new Error(`${file}: file ${r} is outside the kustomization root (kustomize refuses it)`);
      out.push(...readDocs(path));
    }
  }
  const seen = new Set<string>();
  for (const o of out) {
    const id = identity(o);
    if (seen.has(id)) throw new Error(`${file}: ${id} appears twice`);
    seen.add(id);
  }
  for (const p of (k.patches ?? []) as Array<Record<string, unknown>>) {
    if (Object.keys(p).some((x) => x !== "path") || typeof p.path !== "string") throw new Error(`${file}: only patches given by path are supported`);
    const path = resolve(root, p.path);
    if (!existsSync(path)) throw new Error(`${file}: patch ${p.path} does not exist`);
    if (!isInside(root, path)) throw new Error(`${file}: patch ${p.path} is outside the kustomization root`);
    for (const doc of readDocs(path)) {
      const at = out.findIndex((o) => identity(o) === identity(doc));
      if (at === -1) throw new Error(`${file}: patch ${p.path} targets ${identity(doc)}, which is not among the resources`);
      out[at] = strategicMerge(out[at], doc) as K8sObject;
    }
  }
  return out;
}
