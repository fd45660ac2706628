import type { RenewalDescriber } from "./renewal-types.js";
import type { Placement } from "./types.js";

export interface Rancher {
  cmd: "k3s" | "rke2";
  name: string;
  server: string;
  agent: string;
}

export const RANCHER: Readonly<Record<"k3s" | "rke2", Rancher>> = {
  k3s: { cmd: "k3s", name: "K3s", server: "k3s", agent: "k3s-agent" },
  rke2: { cmd: "rke2", name: "RKE2", server: "rke2-server", agent: "rke2-agent" },
};

/** Role suffix (after `k3s-` / `rke2-`) → `certificate rotate --service` name. */
export function rotateService(d: Rancher, suffix: string): string | undefined {
  const bare = suffix.replace(/^agent-/, "");
  if (bare.startsWith("etcd-")) return "etcd";
  const byName: Record<string, string> = {
    "client-admin": "admin",
    "admin-kubeconfig": "admin",
    "serving-kube-apiserver": "api-server",
    "client-kube-apiserver": "api-server",
    "client-controller": "controller-manager",
    "client-scheduler": "scheduler",
    "client-auth-proxy": "auth-proxy",
    "client-cloud-controller": "cloud-controller",
    "client-kubelet": "kubelet",
    "serving-kubelet": "kubelet",
    "client-kube-proxy": "kube-proxy",
    [`client-${d.cmd}-controller`]: `${d.cmd}-controller`,
  };
  return byName[bare];
}

function describeRancherCa(d: Rancher, agentCopy: boolean): string {
  if (agentCopy) {
    return `This is the CA the ${d.name} agent fetched from a server when it started. After a CA rotation restart the agent (\`systemctl restart ${d.agent}\`) so it fetches the current one; if the server's CA itself is wrong, rotate it there.`;
  }
  return `${d.name} CAs are valid for 10 years and are never renewed on restart. Rotate with \`${d.cmd} certificate rotate-ca --path <directory with the new CA files>\` (add --force only for a new self-signed CA that is not cross-signed), which updates the CA data in the datastore. Then restart ${d.cmd} on every server (\`systemctl restart ${d.server}\`): servers that joined with --server pick up the new CA only on restart, and a server that keeps the old files leaves the cluster running with two CAs. Restart the agents afterwards.`;
}

function describeRancherLeaf(d: Rancher, suffix: string): string {
  const agent = suffix.startsWith("agent-");
  const unit = agent ? d.agent : d.server;
  const service = rotateService(d, suffix);
  const rotate = service === undefined ? `${d.cmd} certificate rotate` : `${d.cmd} certificate rotate --service ${service}`;
  const copies =
    suffix === "admin-kubeconfig" || suffix === "client-admin"
      ? ` ${d.cmd} rewrites /etc/rancher/${d.cmd}/${d.cmd}.yaml on start; copies of it elsewhere keep the old client certificate, so copy it again after renewal.`
      : "";
  return `${d.name} leaf certificates are valid for 1 year and are re-issued when ${d.cmd} starts within 90 days of their expiry (120 days on newer releases), so restarting renews this one: \`systemctl restart ${unit}\`. To renew now regardless, stop ${unit}, run \`${rotate}\`, and start it again — servers first, then agents. \`${d.cmd} certificate check\` lists expiry dates; replaced files are kept in server/tls-<unix-timestamp>/.${copies}`;
}

export const describeRancher: RenewalDescriber = (placement: Placement) => {
  const dist = placement.distribution;
  if (dist !== "k3s" && dist !== "rke2") return undefined;
  const d = RANCHER[dist];
  const role = placement.role;
  if (role === undefined) {
    return `${d.name} did not create this file under its data directory, so it will not renew it. Replace the certificate before notAfter and restart ${d.cmd}.`;
  }
  const suffix = role.slice(dist.length + 1);
  if (suffix === "serving-dynamic") {
    return `The dynamic listener certificate is signed by ${d.name}'s server CA and re-issued automatically while ${d.cmd} runs. To force a new one, delete Secret kube-system/${d.cmd}-serving and /var/lib/rancher/${d.cmd}/server/tls/dynamic-cert.json on every server, then restart ${d.cmd} on each (\`systemctl restart ${d.server}\`).`;
  }
  if (suffix === "admin-kubeconfig-ca") {
    return `${d.cmd} rewrites /etc/rancher/${d.cmd}/${d.cmd}.yaml with the current server CA when it starts: restart ${d.cmd} (\`systemctl restart ${d.server}\`) and copy the file again to wherever it was copied.`;
  }
  if (suffix === "service-account-key") {
    return `This is a key pair without expiry; ${d.name} does not rotate it. Replacing it invalidates every service-account token signed with it.`;
  }
  if (suffix.endsWith("-ca")) return describeRancherCa(d, suffix.startsWith("agent-"));
  return describeRancherLeaf(d, suffix);
};
