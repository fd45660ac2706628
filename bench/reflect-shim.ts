/**
 * @peculiar/x509 2.x pulls in tsyringe, which refuses to load without a Reflect metadata API
 * (normally the `reflect-metadata` package, which is not a dependency of this repo). The bench only
 * needs the few calls tsyringe makes, so this installs a minimal WeakMap-backed version of them.
 * Import it before `@peculiar/x509`.
 */
type MetaKey = unknown;
type Target = object;

const store = new WeakMap<Target, Map<PropertyKey | undefined, Map<MetaKey, unknown>>>();

function getMetaMap(target: Target, prop: PropertyKey | undefined, create: boolean): Map<MetaKey, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    byProp = new Map();
    store.set(target, byProp);
  }
  let byKey = byProp.get(prop);
  if (!byKey) {
    if (!create) return undefined;
    byKey = new Map();
    byProp.set(prop, byKey);
  }
  return byKey;
}

interface ReflectMetadataApi {
  getMetadata?: (key: MetaKey, target: Target, prop?: PropertyKey) => unknown;
  getOwnMetadata?: (key: MetaKey, target: Target, prop?: PropertyKey) => unknown;
  defineMetadata?: (key: MetaKey, value: unknown, target: Target, prop?: PropertyKey) => void;
  hasMetadata?: (key: MetaKey, target: Target, prop?: PropertyKey) => boolean;
  metadata?: (key: MetaKey, value: unknown) => (target: Target, prop?: PropertyKey) => void;
}

const reflect = Reflect as unknown as ReflectMetadataApi;

function lookUpMetadata(key: MetaKey, target: Target, prop?: PropertyKey): unknown {
  for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
    const m = getMetaMap(t, prop, false);
    if (m?.has(key)) return m.get(key);
  }
  return undefined;
}

if (typeof reflect.getMetadata !== "function") {
  reflect.defineMetadata = (key, value, target, prop) => {
    getMetaMap(target, prop, true)!.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, prop) => getMetaMap(target, prop, false)?.get(key);
  reflect.getMetadata = lookUpMetadata;
  reflect.hasMetadata = (key, target, prop) => lookUpMetadata(key, target, prop) !== undefined;
  reflect.metadata = (key, value) => (target, prop) => reflect.defineMetadata!(key, value, target, prop);
}

export {};
