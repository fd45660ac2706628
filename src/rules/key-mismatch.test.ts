import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, brief, cert, ctx, inventory, key, record } from "../../test/support/facts.js";
import { keyMismatch } from "./key-mismatch.js";

const crt = (spki: string, ref = "secret:web/tls#tls.crt", pair: string | null = "secret:web/tls", backup = false) =>
  cert(record(`c-${spki}`, { spkiFingerprint: spki }), [at(ref, { ...(pair === null ? {} : { pair }), backup })]);
const pem = (spki: string | undefined, ref = "secret:web/tls#tls.key", pair: string | null = "secret:web/tls", backup = false) =>
  key({ spkiFingerprint: spki, encrypted: spki === undefined }, at(ref, { ...(pair === null ? {} : { pair }), backup }));

const rows = [
  { name: "matching pair: silent", certs: [crt("aa")], keys: [pem("aa")], want: [] },
  { name: "a key for another certificate", certs: [crt("aa")], keys: [pem("bb")], want: ["critical secret:web/tls#tls.crt secret:web/tls#tls.key"] },
  { name: "an encrypted key cannot be compared", certs: [crt("aa")], keys: [pem(undefined)], want: [] },
  { name: "no pair id: nothing to compare", certs: [crt("aa", "file:/a.crt", null)], keys: [pem("bb", "file:/a.key", null)], want: [] },
  { name: "different pairs are not compared", certs: [crt("aa", "file:/a.crt", "file:/a")], keys: [pem("bb", "file:/b.key", "file:/b")], want: [] },
  { name: "a backup key is ignored", certs: [crt("aa")], keys: [pem("bb", "file:/bak/tls.key", "secret:web/tls", true)], want: [] },
  { name: "a backup certificate is ignored", certs: [crt("aa", "file:/bak/tls.crt", "secret:web/tls", true)], keys: [pem("bb")], want: [] },
];

describe("key-mismatch", () => {
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(brief(keyMismatch.check(inventory({ certs: row.certs, keys: row.keys }), ctx)), row.want));
  }

  it("names both public-key hashes and Go's TLS error", () => {
    const [f] = keyMismatch.check(inventory({ certs: [crt("aaaaaaaaaaaaaaaaaaaa")], keys: [pem("bbbbbbbbbbbbbbbbbbbb")] }), ctx);
    assert.match(f!.detail, /sha256 bbbbbbbbbbbbbbbb….*sha256 aaaaaaaaaaaaaaaa…/);
    assert.match(f!.detail, /tls: private key does not match public key/);
  });
});
