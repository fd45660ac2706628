import { after } from "node:test";
import { startPostgres } from "../../test/support/postgres.js";
import { runStoreContract } from "./contract.js";
import { openPostgresStore } from "./postgres.js";

const server = startPostgres();
let last = "";
after(async () => {
  await (await server).stop();
});

runStoreContract({
  name: "postgres",
  async open() {
    last = await (await server).createDatabase();
    return openPostgresStore(last, { max: 4 });
  },
  reopen: () => openPostgresStore(last, { max: 4 }),
});
