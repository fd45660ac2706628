import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentAgentFindings } from "./agent-silent.js";

const H = 3_600_000;
const NOW = Date.parse("2026-12-01T00:00:00Z");

describe("agent-silent", () => {
  for (const row of [
    { name: "an agent that reported an hour ago is not silent", agents: [{ agentId: "a", node: "n1", lastReportAt: NOW - H }], want: [] },
    { name: "an agent silent for 5 h past a 3 h limit is", agents: [{ agentId: "a", node: "n1", lastReportAt: NOW - 5 * H }], want: [["agent:n1", "Agent on n1 silent for 5 h"]] },
    { name: "a node whose agent was replaced counts its newest agent", agents: [{ agentId: "old", node: "n1", lastReportAt: NOW - 50 * H }, { agentId: "new", node: "n1", lastReportAt: NOW - H }], want: [] },
    { name: "days past two days", agents: [{ agentId: "a", node: "n2", lastReportAt: NOW - 73 * H }], want: [["agent:n2", "Agent on n2 silent for 3 days"]] },
  ]) {
    it(row.name, () => {
      const got = silentAgentFindings(row.agents, NOW, 3 * H);
      assert.deepEqual(got.map((f) => [f.locations[0], f.title]), row.want);
      for (const f of got) assert.equal(f.rule, "agent-silent");
    });
  }
});
