/**
 * The hostile-input corpus of issue 7: small crafted inputs and filesystem tricks, one directory per case,
 * generated here (openssl makes the certificates and keys) and never committed. Each case names the class
 * it attacks and the finding or note certdoctor must give; test/hostile-corpus.test.ts scans every case,
 * a good CA beside the bad input, in a child process under a memory cap.
 *
 *   node dist/test/hostile/corpus.js OUT_DIR     writes the corpus (one subdirectory per case)
 */
import { createPrivateKey } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { certBag, clearSafe, pfx, shroudedKeyBag } from "../support/pkcs12-craft.js";
import { billionLaughs, webhookFanOut } from "../support/hostile-yaml.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";

export interface HostileCase {
  name: string;
  /** The issue 7 class (1-8) it attacks. */
  class: number;
  /** Writes the case into `dir`; `o` holds the shared openssl material (good-ca.crt, leaf.crt/key, ...). */
  make(dir: string, o: OpensslDir): void;
  /** Extra `certdoctor scan` arguments. */
  args?: (dir: string) => string[];
  /** Error codes that must appear among the report's findings (parse-error details) or notes. */
  codes: string[];
  /** Text that must never appear in stdout or stderr (key material), read after `make`. */
  secrets?: (dir: string) => string[];
  /** Finding counts by rule that must not be exceeded. */
  maxFindings?: Record<string, number>;
}

/** base64 lines of every PEM private key in `pem`: none may show up in any output. */
export function keyLines(pem: string): string[] {
  return pem.split("\n").filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
}

function derOfKeyFile(o: OpensslDir, name: string): string[] {
  const pkcs8 = createPrivateKey(o.readText(name)).export({ type: "pkcs8", format: "der" }) as Buffer;
  return [pkcs8.subarray(pkcs8.length - 48, pkcs8.length - 16).toString("base64"), ...keyLines(o.readText(name))];
}

export const cases: HostileCase[] = [
  {
    name: "begin-flood",
    class: 5,
    make: (dir) => writeFileSync(join(dir, "begin.pem"), "-----BEGIN ".repeat(400_000)),
    codes: ["ERR_PEM_INVALID"],
    maxFindings: { "parse-error": 101 },
  },
  {
    name: "billion-laughs",
    class: 2,
    make: (dir) => writeFileSync(join(dir, "laughs.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n${billionLaughs(9, 9)}`),
    codes: ["ERR_YAML_LIMIT"],
  },
  {
    name: "webhook-fan-out",
    class: 2,
    make: (dir, o) => writeFileSync(join(dir, "hooks.yaml"), webhookFanOut(Buffer.from(o.readText("good-ca.crt")).toString("base64"), 50)),
    codes: ["ERR_YAML_LIMIT"],
  },
  {
    name: "deep-json",
    class: 2,
    make: (dir) => writeFileSync(join(dir, "deep.json"), `${"[".repeat(100_000)}${"]".repeat(100_000)}`),
    codes: ["ERR_YAML_LIMIT"],
  },
  {
    name: "pkcs12-wide-hidden-iterations",
    class: 3,
    make: (dir, o) => {
      const bags = [...Array.from({ length: 300 }, () => certBag(o.read("leaf.der"))), shroudedKeyBag(o.read("leaf-300k.p8"))];
      writeFileSync(join(dir, "wide.p12"), pfx([clearSafe(bags)]));
      writeFileSync(join(dir, "passwords"), "pw\n");
    },
    args: (dir) => ["--pkcs12-password-file", join(dir, "passwords")],
    codes: ["ERR_KDF_ITERATIONS"],
  },
  {
    name: "pkcs12-many-passwords",
    class: 3,
    make: (dir, o) => {
      writeFileSync(join(dir, "slow.p12"), o.read("leaf-150k.p12"));
      writeFileSync(join(dir, "passwords"), Array.from({ length: 200 }, (_, i) => `wrong-${i}`).join("\n"));
    },
    args: (dir) => ["--pkcs12-password-file", join(dir, "passwords")],
    codes: ["ERR_KDF_BUDGET"],
  },
  {
    name: "symlink-to-root",
    class: 4,
    make: (dir) => symlinkSync("/", join(dir, "root-link")),
    codes: ["ERR_SOURCE_OUTSIDE_ROOT"],
  },
  {
    name: "kubeconfig-reads-outside",
    class: 4,
    make: (dir) =>
      writeFileSync(
        join(dir, "admin.conf"),
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443', certificate-authority: /etc/shadow}}]",
          "users: [{name: u, user: {client-certificate: /proc/self/mem, client-key: ../../../../../../etc/passwd}}]",
          "contexts: [{name: x, context: {cluster: c, user: u}}]",
          "current-context: x",
          "",
        ].join("\n"),
      ),
    codes: ["ERR_SOURCE_OUTSIDE_ROOT"],
  },
  {
    name: "fifo-named-like-a-certificate",
    class: 4,
    make: (dir) => execFileSync("mkfifo", [join(dir, "blocking.crt")]),
    codes: [],
  },
  {
    name: "terminal-escapes-in-names",
    class: 6,
    make: (dir) => writeFileSync(join(dir, "evil\x1b]0;pwned\x07\x1b[2J\nCRITICAL all good.crt"), "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n"),
    args: () => ["--format", "table"],
    codes: [],
  },
  {
    name: "corrupt-rsa-key",
    class: 8,
    make: (dir, o) => writeFileSync(join(dir, "tls.key"), o.readText("rsa-corrupt.pem")),
    codes: ["ERR_KEY_INVALID"],
    secrets: (dir) => keyLines(readFileSync(join(dir, "tls.key"), "utf8")),
  },
  {
    name: "secret-tls-crt-not-a-certificate",
    class: 8,
    make: (dir, o) =>
      writeFileSync(
        join(dir, "secret.yaml"),
        `apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: apps}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${Buffer.from("not a certificate").toString("base64")}\n  tls.key: ${Buffer.from(o.readText("leaf.key")).toString("base64")}\n`,
      ),
    codes: ["ERR_CERT_INVALID"],
  },
];

/** The openssl material the cases share: a good CA, a leaf, encrypted and corrupted keys, an -iter 150000 bundle. */
export function makeSharedMaterial(o: OpensslDir): void {
  o.makeCa("good-ca", "/CN=hostile-corpus-good-ca");
  o.makeLeaf("leaf", "good-ca", "/CN=hostile-leaf", "DNS:leaf");
  o.toDer("leaf.crt", "leaf.der");
  o.run("pkcs8", "-topk8", "-in", "leaf.key", "-outform", "DER", "-out", "leaf-300k.p8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA1", "-iter", "300000", "-passout", "pass:pw");
  o.run("pkcs12", "-export", "-in", "leaf.crt", "-inkey", "leaf.key", "-out", "leaf-150k.p12", "-passout", "pass:right", "-iter", "150000");
  o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem");
  const jwk = createPrivateKey(o.readText("rsa.pem")).export({ format: "jwk" });
  const d = Buffer.from(jwk.d!, "base64url");
  d[d.length >> 1]! ^= 0x10;
  o.write("rsa-corrupt.pem", createPrivateKey({ key: { ...jwk, d: d.toString("base64url") }, format: "jwk" }).export({ type: "pkcs1", format: "pem" }) as string);
}

/** Writes every case into `out/<name>/`, each with the good CA beside it (`good-ca.crt`). */
export function writeCorpus(out: string, o: OpensslDir): Array<{ testCase: HostileCase; dir: string }> {
  return cases.map((testCase) => {
    const dir = join(out, testCase.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "good-ca.crt"), o.readText("good-ca.crt"));
    testCase.make(dir, o);
    return { testCase, dir };
  });
}

/** Secrets of the shared material that must never be printed, whatever the case. */
export function sharedSecrets(o: OpensslDir): string[] {
  return [...derOfKeyFile(o, "leaf.key"), ...derOfKeyFile(o, "rsa.pem"), ...keyLines(o.readText("good-ca.key"))];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const out = resolve(process.argv[2] ?? "hostile-corpus");
  const o = makeOpensslDir("certdoctor-corpus-");
  try {
    makeSharedMaterial(o);
    for (const { testCase, dir } of writeCorpus(out, o)) process.stdout.write(`class ${testCase.class} ${testCase.name}: ${dir}\n`);
  } finally {
    o.cleanup();
  }
}
