/** A serving certificate for the test API server, made once per process with the real openssl CLI. Test-only code. */
import { makeOpensslDir } from "../support/openssl.js";

export interface ServerTls {
  ca: string;
  cert: string;
  key: string;
}

let cached: ServerTls | undefined;

export function testServerTls(): ServerTls {
  if (cached) return cached;
  const d = makeOpensslDir("certdoctor-kubeapi-");
  try {
    d.makeCa("apiserver-ca", "/CN=test-apiserver-ca", "ec");
    d.makeLeaf("apiserver", "apiserver-ca", "/CN=kube-apiserver", "DNS:localhost,IP:127.0.0.1,IP:::1", "ec");
    cached = { ca: d.readText("apiserver-ca.crt"), cert: d.readText("apiserver.crt"), key: d.readText("apiserver.key") };
    return cached;
  } finally {
    d.cleanup();
  }
}
