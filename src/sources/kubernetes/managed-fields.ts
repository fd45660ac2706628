/**
 * Who last wrote the field behind a ref, from the object's `metadata.managedFields` (server-side field
 * ownership): for a Secret or ConfigMap key, the entry whose `fieldsV1` owns `f:data` → `f:KEY` (or
 * `stringData`/`binaryData`), latest `time` first; for other objects, the latest entry. Only manager
 * names, operations and times are read — never the data. Pure.
 */
import { parseRef, splitBlock } from "../../model/ref.js";

export interface RefActor {
  manager: string;
  operation: string;
  time?: string;
}

export interface RefMeta {
  resourceVersion?: string;
  actor?: RefActor;
}

interface Entry {
  manager: string;
  operation: string;
  time?: string;
  fields: Record<string, unknown>;
}

const DATA_FIELDS = ["f:data", "f:stringData", "f:binaryData"];
const MAX_ENTRIES = 64;

function entries(meta: Record<string, unknown>): Entry[] {
  const mf = meta.managedFields;
  if (!Array.isArray(mf)) return [];
  const out: Entry[] = [];
  for (const e of mf.slice(0, MAX_ENTRIES)) {
    if (e === null || typeof e !== "object") continue;
    const o = e as Record<string, unknown>;
    if (typeof o.manager !== "string" || o.manager === "") continue;
    const time = typeof o.time === "string" ? o.time : o.time instanceof Date ? o.time.toISOString() : undefined;
    out.push({
      manager: o.manager.slice(0, 128),
      operation: typeof o.operation === "string" ? o.operation.slice(0, 32) : "",
      ...(time ? { time } : {}),
      fields: o.fieldsV1 !== null && typeof o.fieldsV1 === "object" ? (o.fieldsV1 as Record<string, unknown>) : {},
    });
  }
  // newest first; entries without a time last
  return out.sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
}

function ownsKey(e: Entry, key: string): boolean {
  return DATA_FIELDS.some((f) => {
    const data = e.fields[f];
    return data !== null && typeof data === "object" && `f:${key}` in (data as Record<string, unknown>);
  });
}

/** The data key a ref names (`secret:ns/n#tls.crt/1` -> `tls.crt`). */
function dataKey(ref: string): string | undefined {
  const r = parseRef(ref);
  if (r === undefined || r.key === undefined) return undefined;
  return (splitBlock(r)?.value ?? r).key;
}

/** resourceVersion and actor for each of `refs`, all items of the object `obj` (JSON shape). */
export function refMetaOf(obj: unknown, refs: readonly string[]): Map<string, RefMeta> {
  const out = new Map<string, RefMeta>();
  if (obj === null || typeof obj !== "object") return out;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (meta === null || typeof meta !== "object") return out;
  const m = meta as Record<string, unknown>;
  const rv = typeof m.resourceVersion === "string" && m.resourceVersion !== "" ? m.resourceVersion : undefined;
  const es = entries(m);
  const kind = (obj as { kind?: unknown }).kind;
  const byKey = kind === "Secret" || kind === "ConfigMap";
  for (const ref of refs) {
    const key = byKey ? dataKey(ref) : undefined;
    const e = key === undefined ? es[0] : (es.find((x) => ownsKey(x, key)) ?? undefined);
    out.set(ref, { ...(rv ? { resourceVersion: rv } : {}), ...(e ? { actor: { manager: e.manager, operation: e.operation, ...(e.time ? { time: e.time } : {}) } } : {}) });
  }
  return out;
}
