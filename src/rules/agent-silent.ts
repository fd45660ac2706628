import type { Finding } from "../model/finding.js";
import { formatRef, namedRef } from "../model/ref.js";
import { makeFinding, type Rule } from "./rule.js";

/** An agent's last report, as the store keeps it. */
export interface AgentLastReport {
  agentId: string;
  node: string;
  /** ms since the epoch */
  lastReportAt: number;
}

/**
 * A node agent stopped reporting to `certdoctor serve`. Raised by the server from its store's agent
 * table (a scan of files or a cluster has no agents, so `check` over an inventory finds nothing); the
 * rule is listed for its id, `explain` text and docs like every other.
 */
export const agentSilent: Rule = {
  id: "agent-silent",
  severity: "warning",
  title: "Node agent stopped reporting",
  explain: `The certdoctor agent on a node has not delivered a report to \`certdoctor serve\` for longer than
\`--agent-silent-after\` (default 3h, a few agent intervals). What the server shows for that node is as old as
its last report: a certificate renewed, replaced or expired on the node since then is not seen, and neither
is a kube-proxy or kubelet still holding an old copy.

**Fix:** check the agent's pod on that node (\`kubectl -n certdoctor get pods -o wide\`, its logs:
\`ERR_DELIVERY_FAILED\` or \`ERR_DELIVERY_REJECTED\` say why), that the node is up, and that the agent can reach
the server's \`--report-url\` with a valid token or client certificate. Reports it could not deliver wait in its
spool and arrive in order once it can.`,
  check() {
    return [];
  },
};

/** One agent-silent finding per node whose newest agent report is older than `silentAfterMs`. */
export function silentAgentFindings(agents: readonly AgentLastReport[], now: number, silentAfterMs: number): Finding[] {
  const newest = new Map<string, AgentLastReport>();
  for (const a of agents) if ((newest.get(a.node)?.lastReportAt ?? -Infinity) < a.lastReportAt) newest.set(a.node, a);
  const out: Finding[] = [];
  for (const a of [...newest.values()].sort((x, y) => x.node.localeCompare(y.node))) {
    const silentMs = now - a.lastReportAt;
    if (silentMs <= silentAfterMs) continue;
    const hours = Math.floor(silentMs / 3_600_000);
    out.push(
      makeFinding(agentSilent, {
        title: `Agent on ${a.node} silent for ${hours >= 48 ? `${Math.floor(hours / 24)} days` : `${hours} h`}`,
        detail: `The certdoctor agent on node ${a.node} last reported at ${new Date(a.lastReportAt).toISOString()}. Certificate changes on that node since then are not seen.`,
        remediation: `Check the agent pod on ${a.node} and its log (ERR_DELIVERY_FAILED / ERR_DELIVERY_REJECTED), that the node is up, and that the agent reaches the server with a valid token.`,
        certificates: [],
        locations: [formatRef(namedRef("agent", a.node))],
      }),
    );
  }
  return out;
}
