import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { secret, tlsSecret } from "../kube-api/seed.js";
import { fixturePath } from "../support/fixtures.js";
import { scanObjects } from "../support/kube-scan.js";
import { ruleSeverities } from "../support/scan.js";

const f = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");

describe("tls-secret-invalid", () => {
  const rows: Array<{ name: string; object: () => Record<string, unknown>; want: string[] }> = [
    { name: "leaf + intermediate in tls.crt, root in ca.crt", object: () => tlsSecret("a", "ok", f("chain-ok", "fullchain.pem"), f("chain-ok", "leaf.key"), f("chain-ok", "root-ca.crt")), want: [] },
    { name: "ca.crt from another PKI", object: () => tlsSecret("a", "other-pki", f("chain-ok", "fullchain.pem"), f("chain-ok", "leaf.key"), f("ed25519", "ca.crt")), want: ["tls-secret-invalid:critical"] },
    { name: "ca.crt of the right name but another key is chain-untrusted's, not ours", object: () => tlsSecret("a", "same-name", f("ca-divergence", "leaf-a.crt"), f("ca-divergence", "leaf-a.key"), f("ca-divergence", "ca-b.crt")), want: ["chain-untrusted:critical"] },
    { name: "tls.crt/tls.key mismatch is key-mismatch's, not ours", object: () => tlsSecret("a", "mismatch", f("key-mismatch", "leaf.crt"), f("key-mismatch", "leaf.key")), want: ["key-mismatch:critical"] },
    { name: "encrypted tls.key", object: () => tlsSecret("a", "enc", f("ed25519", "leaf.crt"), f("keys", "encrypted-pkcs8.key")), want: ["tls-secret-invalid:critical"] },
    // key-mismatch also fires (the CA in the pair is not the key's); this rule says why
    { name: "tls.crt starts with the CA", object: () => secret("a", "order", { "tls.crt": f("ed25519", "ca.crt") + f("ed25519", "leaf.crt"), "tls.key": f("ed25519", "leaf.key") }, "kubernetes.io/tls"), want: ["key-mismatch:critical", "tls-secret-invalid:critical"] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const result = await scanObjects([row.object()]);
      const got = ruleSeverities(result).filter((r) => /^(tls-secret-invalid|key-mismatch|chain-untrusted):critical$/.test(r));
      assert.deepEqual(got, row.want);
    });
  }
});
