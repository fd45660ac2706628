import { parseRef, splitBlock } from "../../model/ref.js";
import type { Inventory } from "../../inventory/inventory.js";
import type { InventoryCert, Location } from "../../model/inventory.js";
import type { KubeObjectItem } from "../../model/items.js";

/** `secret:NS/NAME#KEY` or `#KEY/N` → { ns, name, key, index }. */
export function parseSecretRef(ref: string): { ns: string; name: string; key: string; index: number } | undefined {
  const value = parseRef(ref);
  if (value?.kind !== "secret" || !value.namespace || !value.name || value.key === undefined) return undefined;
  const block = splitBlock(value);
  const key = block === undefined ? value.key : block.value.key!;
  if (key === "" || key.includes("/")) return undefined;
  return { ns: value.namespace, name: value.name, key, index: block?.index ?? 0 };
}

/** Live certificates stored under one key of one Secret, with their location, in block order. */
export function secretValueCerts(inv: Inventory, context: string, key: string): Array<{ cert: InventoryCert; location: Location; index: number }> {
  const members = inv.contexts().get(context)?.members ?? [];
  return members
    .map((m) => ({ ...m, parsed: parseSecretRef(m.location.ref) }))
    .filter((m) => m.parsed?.key === key)
    .map((m) => ({ cert: m.cert, location: m.location, index: m.parsed!.index }))
    .sort((a, b) => a.index - b.index);
}

const ownersByInventory = new WeakMap<Inventory, Map<string, KubeObjectItem>>();

/** The cert-manager Certificate that writes a Secret, when cert-manager objects were read. */
export function certManagerOwner(inv: Inventory, ns: string, secretName: string): KubeObjectItem | undefined {
  let owners = ownersByInventory.get(inv);
  if (owners === undefined) {
    owners = new Map();
    for (const o of inv.objects) {
      if (o.kind !== "Certificate" || o.namespace === undefined || o.secretName === undefined) continue;
      const key = `${o.namespace}/${o.secretName}`;
      if (!owners.has(key)) owners.set(key, o);
    }
    ownersByInventory.set(inv, owners);
  }
  return owners.get(`${ns}/${secretName}`);
}

export function managedNote(owner: KubeObjectItem | undefined): string {
  return owner ? ` It is managed by cert-manager Certificate ${owner.namespace}/${owner.name}${owner.issuerRef ? ` (issuer ${owner.issuerRef})` : ""}.` : "";
}
