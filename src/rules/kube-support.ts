import type { Inventory } from "../inventory/inventory.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { KubeObjectItem } from "../model/items.js";

/** `secret:NS/NAME#KEY` or `#KEY/N` → { ns, name, key, index }. */
export function parseSecretRef(ref: string): { ns: string; name: string; key: string; index: number } | undefined {
  const m = /^secret:([^/#]+)\/([^#]+)#([^/]+)(?:\/(\d+))?$/.exec(ref);
  return m ? { ns: m[1]!, name: m[2]!, key: m[3]!, index: m[4] === undefined ? 0 : Number(m[4]) } : undefined;
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
