/** Scans Kubernetes objects as the API source would read them (same converter), without HTTP. */
import { scan } from "../../src/engine/scan.js";
import type { ScanOptions, ScanResult } from "../../src/engine/types.js";
import type { Source } from "../../src/model/scan.js";
import { objectToItems } from "../../src/sources/kubernetes/convert.js";
import { KINDS } from "../../src/sources/kubernetes/kinds.js";
import { fixtureNow } from "./fixtures.js";

export function objectsSource(objects: Array<Record<string, unknown>>): Source {
  return {
    kind: "kube-api",
    async *discover(ctx) {
      for (const obj of objects) {
        const spec = KINDS.find((k) => k.kind === obj.kind && k.apiVersion === obj.apiVersion);
        if (!spec) throw new Error(`test: no KindSpec for ${String(obj.apiVersion)} ${String(obj.kind)}`);
        yield* objectToItems(obj, spec, ctx);
      }
    },
  };
}

export function scanObjects(objects: Array<Record<string, unknown>>, options: Partial<ScanOptions> = {}): Promise<ScanResult> {
  return scan({ paths: [], sources: [objectsSource(objects)], now: fixtureNow, warnDays: 30, critDays: 7, workers: 0, ...options });
}
