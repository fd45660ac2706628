import type { ErrorCode } from "../errors.js";
import type { RefString } from "./items.js";

/**
 * Something a source could not read. Data problems are results, not exceptions: the scan goes on.
 * `material` is true when the input looked like certificate material (a PEM block, a kubeconfig, a
 * manifest with certificate fields) and so deserves a `parse-error` finding; false for notes such as
 * a skipped oversized or binary file.
 */
export interface ScanIssue {
  code: ErrorCode;
  ref: RefString;
  message: string;
  material: boolean;
  /** This issue also stands for this many more of its code at its place, left out by a cap (inventory/issue-caps.ts). */
  omitted?: number;
}
