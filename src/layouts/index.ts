export type { Distribution, Placement, TrustRequirement } from "./types.js";
export { placePath, placeRef, placeSourceRef, MAX_PATH_CHARS, MAX_REF_CHARS } from "./place.js";
export { describeRenewal } from "./renewal.js";
export type { CertFacts } from "./renewal-types.js";
export { trustRequirements } from "./trust-requirements.js";
export { isOsTrustStorePath } from "./trust-store.js";
