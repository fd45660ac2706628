/**
 * Where a decoded Kubernetes object came from: a manifest file (a `kubectl get -o yaml` dump) or the API.
 * It only adds the file's path to what the object's items say; their refs are the object's own either way.
 */
export interface ObjectOrigin {
  /** The manifest file the object was read from; absent for an object from the API. */
  path?: string;
  symlink?: boolean;
  /**
   * Yield the public object facts rules need (KubeObjectItem: webhook services, Node addresses,
   * cert-manager objects). The API source does; dumps do not (docs/adr/0002).
   */
  facts: boolean;
}

/** The `path`/`symlink` an item read from `origin` carries: nothing for an object from the API. */
export function filePlaceOf(origin: ObjectOrigin): { path?: string; symlink?: boolean } {
  if (origin.path === undefined) return {};
  return origin.symlink === undefined ? { path: origin.path } : { path: origin.path, symlink: origin.symlink };
}
