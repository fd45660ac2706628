/**
 * `JSON.stringify(value, null, 2) + "\n"`, byte for byte, as a sequence of chunks of about `chunkChars`
 * characters: a million-certificate report (over 1 GB of text, past V8's longest string) is written
 * piece by piece and never held whole. Objects and arrays down to `depth` are walked here; anything
 * deeper, and any value with a `toJSON`, is one `JSON.stringify` call re-indented to its place (JSON text
 * has no raw newline inside a string, so the re-indent cannot touch a value). An array may be given as
 * any iterable, so a caller can produce its elements lazily.
 */
const INDENT = "  ";
const DEFAULT_CHUNK_CHARS = 64 * 1024;
const DEFAULT_DEPTH = 2;

export interface JsonChunkOptions {
  chunkChars?: number;
  /** How many levels are walked here (default 2: the report and its top-level arrays' elements). */
  depth?: number;
}

/** A lazily produced array: serialised like the array of its elements. */
export type JsonIterable<T> = Iterable<T> & { readonly [lazyArray]: true };
const lazyArray = Symbol("lazy JSON array");

/** Marks an iterable as an array for `jsonChunks` (without it an iterable object is serialised as JSON.stringify would). */
export function lazyJsonArray<T>(items: Iterable<T>): JsonIterable<T> {
  return Object.assign({ [Symbol.iterator]: () => items[Symbol.iterator]() }, { [lazyArray]: true as const });
}

export function* jsonChunks(value: unknown, options: JsonChunkOptions = {}): Generator<string> {
  const limit = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  let pending = "";
  for (const piece of pieces(value, "", options.depth ?? DEFAULT_DEPTH, false)) {
    pending += piece;
    if (pending.length >= limit) {
      yield pending;
      pending = "";
    }
  }
  yield `${pending}\n`;
}

function isLazyArray(value: unknown): value is JsonIterable<unknown> {
  return typeof value === "object" && value !== null && (value as { [lazyArray]?: true })[lazyArray] === true;
}

function isWalkable(value: unknown): value is object {
  return typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

/** One value at indentation `indent`; `inArray`: an unserialisable value is `null` there (JSON.stringify's rule). */
function* pieces(value: unknown, indent: string, depth: number, inArray: boolean): Generator<string> {
  if (isLazyArray(value)) yield* arrayPieces(value, indent, depth);
  else if (depth > 0 && isWalkable(value)) yield* Array.isArray(value) ? arrayPieces(value, indent, depth) : objectPieces(value as Record<string, unknown>, indent, depth);
  else yield leafText(value, indent) ?? (inArray ? "null" : "");
}

/** A value serialised whole at indentation `indent`; undefined when JSON leaves it out. */
function leafText(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return text === undefined || indent === "" ? text : text.replaceAll("\n", `\n${indent}`);
}

function* arrayPieces(items: Iterable<unknown>, indent: string, depth: number): Generator<string> {
  const inner = indent + INDENT;
  let first = true;
  for (const item of items) {
    yield first ? `[\n${inner}` : `,\n${inner}`;
    first = false;
    yield* pieces(item, inner, depth - 1, true);
  }
  yield first ? "[]" : `\n${indent}]`;
}

function* objectPieces(object: Record<string, unknown>, indent: string, depth: number): Generator<string> {
  const inner = indent + INDENT;
  let first = true;
  for (const key of Object.keys(object)) {
    const value = object[key];
    const walked = isLazyArray(value) || (depth > 1 && isWalkable(value));
    const text = walked ? undefined : leafText(value, inner);
    if (!walked && text === undefined) continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    if (walked) yield* pieces(value, inner, depth - 1, false);
    else yield text!;
  }
  yield first ? "{}" : `\n${indent}}`;
}
