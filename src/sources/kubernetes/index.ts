export { kubeSource, KubeSource, type KubeSourceOptions } from "./source.js";
export { KINDS, parseReadRef, readRef, SECRET_FIELD_SELECTOR, type KindSpec } from "./kinds.js";
export { KubeClient, type KubeConnectOptions } from "./client.js";
