/** Renewal and CA-rotation steps for K3s and RKE2 (one layout, two command names). */
import { RANCHER, rotateService } from "../layouts/renewal-rancher.js";
import { laggingPlaces } from "./ca-variants.js";
import { nodesOf, rulesOf, uniq, type PlanStep, type Planner } from "./plan-types.js";
import { RENEW_RULES } from "./plan-rules.js";

export const planRancher: Planner = ({ distribution, items, caGroups }) => {
  const d = RANCHER[distribution as "k3s" | "rke2"];
  const steps: PlanStep[] = [];
  const prefix = `${distribution}-`;
  const suffix = (role: string | undefined) => (role ?? "").slice(prefix.length);

  // Servers (and agents) still on a CA variant the rest of the cluster moved away from.
  const laggingServers = new Set<string>();
  const laggingAgents = new Set<string>();
  for (const g of caGroups) {
    for (const { place, locations } of laggingPlaces(g)) {
      if (locations.some((l) => suffix(l.role).startsWith("agent-"))) laggingAgents.add(place);
      if (locations.some((l) => !suffix(l.role).startsWith("agent-") && l.node !== undefined)) laggingServers.add(place);
    }
  }
  const caRules = uniq(items.filter((i) => i.rule === "ca-divergence" || i.rule === "chain-untrusted").map((i) => i.rule));
  if (laggingServers.size > 0) {
    const identities = uniq(caGroups.map((g) => g.identity));
    steps.push({
      id: `${distribution}-restart-lagging-servers`,
      phase: "restart",
      title: `Restart ${d.cmd} on the servers still on the old CA so they load the rotated CA from the datastore`,
      on: [...laggingServers].sort(),
      commands: [`systemctl restart ${d.server}`, `${d.cmd} certificate check --output table`],
      restarts: [d.server],
      meanwhile: `Until every server has restarted, clients holding the new CA reject the servers still on the old one (and the other way round): kubectl through a load balancer fails now and then with \`x509: certificate signed by unknown authority\`. Restart one server at a time and wait for it to be Ready.`,
      notes: [
        `CAs differ for: ${identities.join(", ")}.`,
        `Servers that joined with --server take the CA from the datastore only when they start; a server that was not restarted after \`${d.cmd} certificate rotate-ca\` keeps the old files.`,
        `If a restarted server still shows the old CA, the datastore holds it: put the current CA files in a directory and run \`${d.cmd} certificate rotate-ca --path=<dir>\` on a server, then restart every server. Add --force only when the new CA is self-signed and not cross-signed by the old one: without cross-signing every agent must be restarted too, and workloads using service-account tokens see errors until then.`,
      ],
      addresses: caRules,
    });
  }
  if (laggingAgents.size > 0) {
    steps.push({
      id: `${distribution}-restart-lagging-agents`,
      phase: "restart",
      title: `Restart the agents whose CA copy is the old one (after the servers)`,
      on: [...laggingAgents].sort(),
      commands: [`systemctl restart ${d.agent}`],
      restarts: [d.agent],
      meanwhile: "The node is NotReady for a few seconds; running pods keep running.",
      addresses: caRules,
    });
  }
  const leaves = items.filter((i) => !i.isCA && RENEW_RULES.has(i.rule) && i.role !== undefined);
  const serverLeaves = leaves.filter((i) => !suffix(i.role).startsWith("agent-"));
  const agentLeaves = leaves.filter((i) => suffix(i.role).startsWith("agent-"));
  for (const [group, unit, id] of [[serverLeaves, d.server, "servers"], [agentLeaves, d.agent, "agents"]] as const) {
    if (group.length === 0) continue;
    const services = uniq(group.map((i) => rotateService(d, suffix(i.role))));
    steps.push({
      id: `${distribution}-rotate-${id}`,
      phase: "fix",
      title: `Rotate ${services.length > 0 ? services.join(", ") : "the leaf certificates"} on the ${id}`,
      on: nodesOf(group),
      commands: [`systemctl stop ${unit}`, `${d.cmd} certificate rotate${services.length > 0 ? ` --service ${services.join(",")}` : ""}`, `systemctl start ${unit}`],
      restarts: [unit],
      meanwhile: `${d.cmd} on that node is stopped for the rotation: its API server (servers) or its kubelet (agents) is unavailable; run it on one node at a time, servers before agents.`,
      notes: [`A plain restart also renews leaves within 90 days (120 on newer releases) of expiry. Replaced files are kept in server/tls-<unix-timestamp>/.`],
      addresses: rulesOf(group),
    });
  }
  const admin = items.filter((i) => /admin/.test(suffix(i.role)));
  if (admin.length > 0 && steps.length > 0) {
    steps.push({
      id: `${distribution}-copy-admin-kubeconfig`,
      phase: "follow-up",
      title: `Copy the rewritten /etc/rancher/${d.cmd}/${d.cmd}.yaml to wherever it was copied`,
      on: nodesOf(admin),
      commands: [`cp /etc/rancher/${d.cmd}/${d.cmd}.yaml $HOME/.kube/config`],
      notes: [`${d.cmd} rewrites ${d.cmd}.yaml with the current CA and client certificate when it starts; copies keep the old ones.`],
      addresses: rulesOf(admin),
    });
  }
  return steps;
};
