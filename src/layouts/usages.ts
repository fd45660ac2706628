/**
 * Which extended key usage the component that verifies a certificate asks Go's Verify for, by layout
 * role: serving certificates are verified by TLS clients (serverAuth, Go's default), client certificates
 * by the API server's x509 authenticator, etcd or a kubelet (clientAuth), and etcd peer certificates both
 * ways, in two separate Verify calls. Data only.
 */
import type { GoKeyUsage } from "../pki/go-verify.js";

/** One inner list per Verify call the certificate must pass. */
export type UsageChecks = readonly (readonly GoKeyUsage[])[];

const SERVER: UsageChecks = [["serverAuth"]];
const CLIENT: UsageChecks = [["clientAuth"]];
const PEER: UsageChecks = [["serverAuth"], ["clientAuth"]];

const PEER_ROLE = /(?:^|-)peer(?:-server-client)?$/;
const CA_ROLE = /(?:^|-)ca$/;
const CLIENT_ROLE = /(?:^|-)client(?:-|$)|kubeconfig|-conf$|-admin$|edge-cert$|apiserver-aggregator$/;
const SERVER_ROLE = /(?:^|-)(?:server|serving)(?:-|$)|apiserver$|cloudcore-server$/;

/** The Verify calls a certificate in `role` must pass; undefined when the layout does not say who verifies it (CAs included). */
export function usagesForRole(role: string | undefined): UsageChecks | undefined {
  if (role === undefined || CA_ROLE.test(role)) return undefined;
  if (PEER_ROLE.test(role)) return PEER;
  if (CLIENT_ROLE.test(role)) return CLIENT;
  if (SERVER_ROLE.test(role)) return SERVER;
  return undefined;
}

export const serverUsage = SERVER;
export const clientUsage = CLIENT;
