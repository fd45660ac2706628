import { hasBackupMarker } from "./backup.js";
import { matchEntry } from "./catalog.js";
import { parseRef, type SourceRef } from "../model/ref.js";
import { placeObject } from "./objects.js";
import { findLayoutRoot } from "./roots.js";
import type { Placement } from "./types.js";

/** Longer paths are not placed (Linux PATH_MAX); keeps every regex below linear-time in practice. */
export const MAX_PATH_CHARS = 4096;
/** Longer refs are not placed. */
export const MAX_REF_CHARS = 8192;

/** Where an absolute POSIX path sits: node prefix, distribution, role, backup. Never throws. */
export function placePath(absPath: string): Placement {
  if (typeof absPath !== "string" || absPath.length === 0 || absPath.length > MAX_PATH_CHARS) return { backup: false };
  const path = absPath.replace(/\/{2,}/g, "/").replace(/\/(?:\.\/)+/g, "/");
  const segments = path.split("/").filter((s) => s.length > 0);
  const root = path.startsWith("/") ? findLayoutRoot(path) : undefined;
  if (root === undefined) return { backup: hasBackupMarker(segments, false) };

  const rootedSegments = root.rooted.split("/").filter((s) => s.length > 0);
  const placement: Placement = { node: root.node, backup: hasBackupMarker(rootedSegments, true) };
  const match = matchEntry(root.rooted);
  if (match === undefined) {
    if (root.fallback !== undefined) placement.distribution = root.fallback;
    return placement;
  }
  placement.distribution = match.entry.distribution;
  placement.role = match.role;
  placement.roleTitle = match.roleTitle;
  if (match.caIdentity !== undefined) placement.caIdentity = match.caIdentity;
  return placement;
}

/**
 * Places a stable location ref (`kind:location#key`). `file:` refs are placed by path (a `#N` block
 * index is dropped); `kubeconfig:` refs by the kubeconfig's path, where `#clusters/…` is the CA the
 * file embeds; `secret:`/`configmap:` refs by well-known object names; anything else has no layout.
 */
export function placeRef(ref: string): Placement {
  if (typeof ref !== "string" || ref.length > MAX_REF_CHARS) return { backup: false };
  return placeSourceRef(parseRef(ref));
}

/** `placeRef` for a ref already parsed (the inventory builder parses each occurrence's ref once). */
export function placeSourceRef(value: SourceRef | undefined): Placement {
  switch (value?.kind) {
    case "file":
      return placePath(value.location);
    case "kubeconfig":
      return placeKubeconfig(value.location, value.key);
    case "secret":
    case "configmap":
      return placeObject(value.kind, value.namespace ?? "", value.name ?? value.location, value.key ?? "");
    default:
      return { backup: false };
  }
}

function placeKubeconfig(path: string, key: string | undefined): Placement {
  const placement = placePath(path);
  if (key?.startsWith("clusters/") !== true || placement.role === undefined) return placement;

  const root = findLayoutRoot(path.replace(/\/{2,}/g, "/"));
  const match = root === undefined ? undefined : matchEntry(root.rooted);
  const cluster: Placement = {
    ...placement,
    role: `${placement.role}-ca`,
    roleTitle: `CA embedded in the ${(placement.roleTitle ?? "kubeconfig").replace(/ client certificate$/, "")}`,
  };
  delete cluster.caIdentity;
  if (match?.kubeconfigCa !== undefined) cluster.caIdentity = match.kubeconfigCa;
  return cluster;
}
