import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createServer, type Server } from "node:tls";
import { Command } from "commander";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import type { EndpointItem } from "../model/items.js";
import { defaultLimits, isScanIssue } from "../model/scan.js";
import type { CliIO } from "./io.js";
import { endpointOptions } from "./options-endpoint.js";

const io: CliIO = { stdout: () => undefined, stderr: () => undefined, isTTY: false, columns: 80, color: false, cwd: process.cwd() };
const ctx = { limits: defaultLimits, pkcs12Passwords: [] };

/** Parses argv with the real commander definitions of the endpoint group, then probes with the sources it builds. */
async function probeWith(argv: string[]): Promise<EndpointItem[]> {
  const cmd = endpointOptions.addOptions(new Command().exitOverride());
  cmd.parse(argv, { from: "user" });
  const sources = await endpointOptions.buildSources(cmd.opts(), io);
  const out: EndpointItem[] = [];
  for (const source of sources) {
    for await (const item of source.discover(ctx)) if (!isScanIssue(item) && item.type === "endpoint") out.push(item);
  }
  return out;
}

describe("scan endpoint flags", () => {
  let o: OpensslDir;
  let server: Server;
  let port = 0;
  let connections = 0;

  before(async () => {
    o = makeOpensslDir("certdoctor-endpoint-flags-");
    o.makeCa("ca", "/CN=flags-test-ca");
    o.makeLeaf("leaf", "ca", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    o.makeCa("clientca", "/CN=flags-client-ca/O=certdoctor-test");
    // Asks for (but does not require) a client certificate, so both probes succeed and the flight lists clientca.
    server = createServer({ key: o.read("leaf.key"), cert: o.read("leaf.crt"), requestCert: true, rejectUnauthorized: false, ca: o.read("clientca.crt") }, (s) => s.end());
    server.on("connection", (s) => {
      connections++;
      s.on("error", () => undefined);
    });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    o.cleanup();
  });

  const rows = [
    { name: "by default the client-CA names are read, in the same connection as the chain", flags: [], acceptableCAs: ["O=certdoctor-test,CN=flags-client-ca"], connections: 1 },
    { name: "--no-endpoint-client-cas leaves the names unknown", flags: ["--no-endpoint-client-cas"], acceptableCAs: undefined, connections: 1 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const before = connections;
      const eps = await probeWith(["--endpoint", `127.0.0.1:${port}`, "--endpoint-timeout", "3000", ...row.flags]);
      assert.equal(eps.length, 1);
      assert.equal(eps[0]?.error, undefined);
      assert.equal(eps[0]?.chain.length, 1);
      assert.deepEqual(eps[0]?.acceptableCAs, row.acceptableCAs);
      assert.equal(connections - before, row.connections);
    });
  }
});
