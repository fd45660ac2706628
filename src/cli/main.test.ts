import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../../test/support/cli.js";
import { commandsFor } from "./main.js";

const NAMES = ["scan", "certs", "demo", "rules", "explain", "watch", "agent", "plan", "rotation", "backup", "restore", "fix", "approver", "serve", "timeline", "completion"];

describe("command loading", () => {
  it("loads only the module of the command the first argument names; help, version, completion and unknown names load all", () => {
    for (const name of NAMES.filter((n) => n !== "completion")) assert.equal(commandsFor([name, "--x"]).length, 1, name);
    const all = commandsFor([]).length;
    assert.ok(all >= 13);
    for (const argv of [["--help"], ["--version"], ["help", "scan"], ["completion", "bash"], ["scna"]]) assert.equal(commandsFor(argv).length, all, argv.join(" "));
  });

  it("every command's help is the same whether it alone or every command was registered", async () => {
    for (const name of NAMES) {
      const alone = await runCli([name, "--help"]);
      const withAll = await runCli(["help", name]);
      assert.equal(alone.code, 0, name);
      assert.ok(alone.out.includes(`Usage: certdoctor ${name}`), `${name}: ${alone.out.slice(0, 80)}`);
      assert.equal(alone.out, withAll.out, name);
    }
  });
});
