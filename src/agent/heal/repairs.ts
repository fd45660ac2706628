/** Every repair, in the order a cycle considers them (explicit registry, no self-registration). */
import { kubeedgeCaResync } from "./kubeedge-ca-resync.js";
import { kubeletClientSymlink } from "./kubelet-client-symlink.js";
import { kubeletSelfsignedExpired } from "./kubelet-selfsigned-expired.js";
import type { Repair } from "./types.js";

export const repairs: readonly Repair[] = [kubeletClientSymlink, kubeletSelfsignedExpired, kubeedgeCaResync];
