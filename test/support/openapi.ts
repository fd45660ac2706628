/**
 * docs/api/openapi.yaml for tests: its operations (to compare with the app's routes) and a validator
 * for the subset of OpenAPI 3.0 schemas the file uses (type, nullable, enum, required, properties,
 * additionalProperties, items, allOf, $ref), so API tests check real responses against the contract.
 * Extra properties are allowed (the API may gain fields); missing required ones and wrong types are not.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { findRepoRoot } from "./fixtures.js";

type Schema = Record<string, unknown>;

export interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
}

export function loadOpenApi(): OpenApiDoc {
  return load(readFileSync(join(findRepoRoot(), "docs", "api", "openapi.yaml"), "utf8")) as OpenApiDoc;
}

/** `METHOD /path/:param` for every operation in the file. */
export function operations(doc: OpenApiDoc): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (["get", "post", "put", "delete", "patch", "head"].includes(method)) out.push(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`);
    }
  }
  return out.sort();
}

function resolveRef(doc: OpenApiDoc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 16 && typeof s.$ref === "string"; i++) {
    const parts = (s.$ref as string).replace(/^#\//, "").split("/");
    let node: unknown = doc;
    for (const p of parts) node = (node as Record<string, unknown>)[p];
    s = node as Schema;
  }
  return s;
}

/** Problems found validating `value` against `schema` (empty: valid). */
export function validate(doc: OpenApiDoc, schema: Schema, value: unknown, at = "$"): string[] {
  const s = resolveRef(doc, schema);
  if (value === null) return s.nullable === true ? [] : [`${at}: null where ${String(s.type ?? "a value")} is required`];
  const errors: string[] = [];
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) errors.push(...validate(doc, sub, value, at));
  const type = s.type as string | undefined;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (type !== undefined && !(type === actual || (type === "number" && actual === "integer"))) return [...errors, `${at}: ${actual} where ${type} is required`];
  if (Array.isArray(s.enum) && !(s.enum as unknown[]).includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (typeof s.pattern === "string" && typeof value === "string" && !new RegExp(s.pattern).test(value)) errors.push(`${at}: does not match ${s.pattern}`);
  if (actual === "object") {
    const o = value as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in o)) errors.push(`${at}.${r}: required`);
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(o)) {
      if (k in props) errors.push(...validate(doc, props[k]!, v, `${at}.${k}`));
      else if (s.additionalProperties && typeof s.additionalProperties === "object") errors.push(...validate(doc, s.additionalProperties as Schema, v, `${at}.${k}`));
    }
  }
  if (actual === "array" && s.items) (value as unknown[]).forEach((v, i) => errors.push(...validate(doc, s.items as Schema, v, `${at}[${i}]`)));
  return errors;
}

/** The schema of an operation's JSON response for `status`. */
export function responseSchema(doc: OpenApiDoc, method: string, path: string, status: number): Schema {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in openapi.yaml`);
  const resp = resolveRef(doc, (op.responses[String(status)] ?? {}) as Schema) as { content?: Record<string, { schema: Schema }> };
  const schema = resp.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no JSON response ${status} for ${method} ${path} in openapi.yaml`);
  return schema;
}
