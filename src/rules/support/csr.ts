import type { KubeCsrItem } from "../../model/items.js";

export const KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";

export function conditionOf(csr: KubeCsrItem, type: string) {
  return csr.conditions.find((c) => c.type === type && c.status !== "False");
}

export function isDecided(csr: KubeCsrItem): boolean {
  return ["Approved", "Denied", "Failed"].some((t) => conditionOf(csr, t) !== undefined);
}

/** "node talos-worker-1" for system:node:NAME requesters, else the username. */
export function requesterOf(csr: KubeCsrItem): string {
  const user = csr.username ?? "an unknown requester";
  return user.startsWith("system:node:") ? `node ${user.slice("system:node:".length)}` : user;
}
