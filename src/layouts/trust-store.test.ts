import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOsTrustStorePath } from "./trust-store.js";

describe("isOsTrustStorePath", () => {
  const rows = [
    { path: "/etc/ssl/certs/ca-certificates.crt", want: true },
    { path: "/node1/etc/ssl/certs/DigiCert.pem", want: true },
    { path: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", want: true },
    { path: "/etc/pki/tls/certs/ca-bundle.crt", want: true },
    { path: "/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt", want: true },
    { path: "/usr/local/share/ca-certificates/corp.crt", want: true },
    { path: "/var/lib/ca-certificates/pem/x.pem", want: true },
    { path: "/etc/kubernetes/pki/ca.crt", want: false },
    { path: "/etc/ssl/private/server.pem", want: false },
    { path: "/etc/ssl/certs", want: false },
    { path: "/home/me/etc/ssl/certsbackup/x.pem", want: false },
  ];
  for (const row of rows) it(`${row.path}: ${row.want}`, () => assert.equal(isOsTrustStorePath(row.path), row.want));
});
