import { etcdEntries, kubeadmEntries, kubeletEntries } from "./catalog-kubeadm.js";
import { kopsEntries, kubeedgeEntries, talosEntries } from "./catalog-others.js";
import { k3sEntries, rke2Entries } from "./catalog-rancher.js";
import type { LayoutEntry } from "./types.js";

/** Every recognised file shape, most specific first: the first match wins. */
export const layoutEntries: readonly LayoutEntry[] = [
  ...kubeadmEntries,
  ...kubeletEntries,
  ...k3sEntries,
  ...rke2Entries,
  ...kubeedgeEntries,
  ...talosEntries,
  ...kopsEntries,
  ...etcdEntries,
];

export interface EntryMatch {
  entry: LayoutEntry;
  /** The entry's role, title and CA ids with `{1}` filled in. */
  role: string;
  roleTitle: string;
  caIdentity?: string;
  kubeconfigCa?: string;
}

/** Finds the entry for a rooted path (starting at the layout root, e.g. "/etc/kubernetes/pki/ca.crt"). */
export function matchEntry(rooted: string): EntryMatch | undefined {
  for (const entry of layoutEntries) {
    const m = entry.pattern.exec(rooted);
    if (m === null) continue;
    const fill = (s: string): string => s.replace("{1}", m[1] ?? "");
    const match: EntryMatch = { entry, role: fill(entry.role), roleTitle: fill(entry.roleTitle) };
    if (entry.caIdentity !== undefined) match.caIdentity = fill(entry.caIdentity);
    if (entry.kubeconfigCa !== undefined) match.kubeconfigCa = fill(entry.kubeconfigCa);
    return match;
  }
  return undefined;
}
