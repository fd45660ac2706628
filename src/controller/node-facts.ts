/**
 * Node facts from the scan inventory (KubeObjectItem of kind Node) for the approval policy. The inventory
 * keeps addresses without their type; every NodeAddressType (Hostname, InternalDNS, ExternalDNS,
 * InternalIP, ExternalIP) counts for the policy, so an IP is typed InternalIP and a name Hostname. Pure.
 */
import type { KubeObjectItem } from "../model/items.js";
import { parseIp } from "./ip.js";
import type { NodeFacts } from "./policies.js";

export function nodeFactsOf(objects: readonly KubeObjectItem[]): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  for (const o of objects) {
    if (o.kind !== "Node") continue;
    out.set(o.name, { name: o.name, addresses: (o.addresses ?? []).map((a) => ({ type: parseIp(a) === undefined ? "Hostname" : "InternalIP", address: a })) });
  }
  return out;
}
