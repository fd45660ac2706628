/**
 * What a parsed YAML/JSON document costs every later walk: js-yaml returns aliases as shared references, so a
 * few-KB document can stand for billions of nodes (a billion-laughs list, a long base64 scalar fanned out
 * through `List.items` into webhook caBundles), and aliases can even form cycles. `measureExpansion` counts
 * the tree as readers will see it — every alias counted as what it expands to — in time linear in the
 * document's distinct nodes (a memo per shared object), without recursion, and reports cycles and depth.
 */

/** What a document expands to: nodes (objects, arrays, scalars) and bytes (keys and scalar text). */
export interface Expansion {
  nodes: number;
  bytes: number;
}

export type ExpansionResult = ({ ok: true } & Expansion) | { ok: false; reason: "cycle" | "depth" };

interface Measured extends Expansion {
  height: number;
}

interface Frame {
  node: object;
  children: unknown[];
  next: number;
  depth: number;
  acc: Measured;
}

/**
 * Measures `doc` as fully expanded. `stringBytes` gives a string's length as readers will see it (parse-documents
 * swaps long base64 values for short tokens during the parse). Stops at the first cycle or at a path deeper
 * than `maxDepth` levels.
 */
export function measureExpansion(doc: unknown, maxDepth: number, stringBytes: (s: string) => number = (s) => s.length): ExpansionResult {
  const done = new Map<object, Measured>();
  const open = new Set<object>();
  const root: Measured = { nodes: 0, bytes: 0, height: 0 };
  const stack: Frame[] = [];

  /** Adds one child to `into`, or pushes a frame for an object not measured yet. */
  const visit = (value: unknown, depth: number, into: Measured): "ok" | "cycle" | "depth" => {
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) {
      into.nodes += 1;
      into.bytes += typeof value === "string" ? stringBytes(value) : ArrayBuffer.isView(value) ? value.byteLength : 1;
      into.height = Math.max(into.height, 1);
      return "ok";
    }
    const known = done.get(value);
    if (known !== undefined) {
      if (depth + known.height > maxDepth) return "depth";
      add(into, known);
      return "ok";
    }
    if (open.has(value)) return "cycle";
    if (depth + 1 > maxDepth) return "depth";
    open.add(value);
    const isArray = Array.isArray(value);
    const keys = isArray ? [] : Object.keys(value);
    const acc: Measured = { nodes: 1, bytes: keys.reduce((n, k) => n + k.length, 0), height: 0 };
    const children = isArray ? (value as unknown[]) : keys.map((k) => (value as Record<string, unknown>)[k]);
    stack.push({ node: value, children, next: 0, depth: depth + 1, acc });
    return "ok";
  };

  const first = visit(doc, 0, root);
  if (first !== "ok") return { ok: false, reason: first };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.children.length) {
      const verdict = visit(frame.children[frame.next++], frame.depth, frame.acc);
      if (verdict !== "ok") return { ok: false, reason: verdict };
      continue;
    }
    stack.pop();
    open.delete(frame.node);
    frame.acc.height += 1;
    done.set(frame.node, frame.acc);
    add(stack.length > 0 ? stack[stack.length - 1]!.acc : root, frame.acc);
  }
  return { ok: true, nodes: root.nodes, bytes: root.bytes };
}

function add(into: Measured, child: Measured): void {
  into.nodes += child.nodes;
  into.bytes += child.bytes;
  into.height = Math.max(into.height, child.height);
}
