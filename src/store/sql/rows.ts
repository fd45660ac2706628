/**
 * The placements row as the shared SQL reads it back (booleans as 0/1, lists as JSON text): one type
 * for the writer (comparing what a scope holds with what a scan saw) and the readers (certificates and
 * their locations).
 */
export interface PlacementRow {
  id: number;
  scope: string;
  ref: string;
  fingerprint: string;
  node: string | null;
  namespace: string | null;
  role: string | null;
  context: string | null;
  ca_identity: string | null;
  anchor: number;
  backup: number;
  key_present: number;
  resource_version: string | null;
  /** JSON of the managedFields Actor. */
  actor: string | null;
  from_at: number;
  to_at: number | null;
}

/** Every column of PlacementRow, qualified with the alias `p`. */
export const PLACEMENT_ROW_COLUMNS = "p.id, p.scope, p.ref, p.fingerprint, p.node, p.namespace, p.role, p.context, p.ca_identity, p.anchor, p.backup, p.key_present, p.resource_version, p.actor, p.from_at, p.to_at";
