/** Directories of operating-system CA trust stores (Debian/Ubuntu, RHEL/Fedora, Alpine, SUSE), at any prefix. */
const OS_TRUST_STORE = /\/(?:etc\/ssl\/certs|etc\/pki\/ca-trust|etc\/pki\/tls\/certs|etc\/ca-certificates|usr\/share\/ca-certificates|usr\/local\/share\/ca-certificates|var\/lib\/ca-certificates)\//;

/** The path lies in an operating system's CA trust store (under any node prefix): distribution-managed roots. */
export function isOsTrustStorePath(path: string): boolean {
  return OS_TRUST_STORE.test(path);
}
