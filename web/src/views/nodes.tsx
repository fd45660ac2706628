/**
 * Nodes and namespaces: per node its agent (status, last report, sequence, dropped items), its
 * certificates and findings; per namespace the same counts. A node's or namespace's page lists its
 * findings and certificates. Nodes with critical findings (e.g. behind a CA rotation) sort first.
 */
import type { ApiCertificate, ApiNamespace, ApiNode, FindingPage, Page } from "../api.js";
import type { ViewProps } from "../app.js";
import { Busy, Failed, SeverityBadge } from "../components.js";
import { nodeLabel, relative, utc } from "../format.js";
import { query } from "../api.js";
import { useApi } from "../use-api.js";
import { CertTable } from "./certificates.js";
import { FindingCard } from "./findings.js";

function Counts({ findings }: { findings: Record<string, number> }) {
  const parts = (["critical", "warning", "info"] as const).filter((s) => (findings[s] ?? 0) > 0);
  if (parts.length === 0) return <span class="muted">none</span>;
  return (
    <span class="counts">
      {parts.map((s) => (
        <span key={s}>
          <SeverityBadge severity={s} /> {findings[s]}
        </span>
      ))}
    </span>
  );
}

const AGENT: Record<string, string> = { ok: "reporting", silent: "silent", none: "no agent" };

export function NodesView({ now, generation }: ViewProps) {
  const r = useApi<{ items: ApiNode[] }>("nodes", generation);
  if (r.error) return <Failed error={r.error} />;
  if (!r.data) return <Busy what="nodes" />;
  const rank = (n: ApiNode): number => n.findings.critical * 1e6 + n.findings.warning * 1e3 + n.findings.info;
  const items = [...r.data.items].sort((a, b) => rank(b) - rank(a) || a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="nodes-title">
      <div class="view-head">
        <h1 id="nodes-title">Nodes</h1>
        <p class="muted">{items.length} nodes, those with the worst findings first</p>
      </div>
      {items.length === 0 ? (
        <p class="empty">No node known: certdoctor learns nodes from layouts in scanned dumps and from agents.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Agent</th>
                <th scope="col">Last report</th>
                <th scope="col">Certificates</th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {items.map((n) => (
                <tr key={n.name}>
                  <td>
                    <a href={`/nodes/${encodeURIComponent(n.name)}`} title={n.name}>
                      {nodeLabel(n.name)}
                    </a>
                  </td>
                  <td class={n.agent.status === "silent" ? "error" : undefined}>
                    {AGENT[n.agent.status]}
                    {n.agent.agentVersion && <span class="muted"> v{n.agent.agentVersion}</span>}
                    {(n.agent.dropped ?? 0) > 0 && <span class="error"> · dropped {n.agent.dropped}</span>}
                  </td>
                  <td>{n.agent.lastReportAt ? `${utc(n.agent.lastReportAt)} (${relative(n.agent.lastReportAt, now)}, #${n.agent.lastSequence})` : "—"}</td>
                  <td>{n.certificates}</td>
                  <td>
                    <Counts findings={n.findings} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function NamespacesView({ generation }: ViewProps) {
  const r = useApi<{ items: ApiNamespace[] }>("namespaces", generation);
  if (r.error) return <Failed error={r.error} />;
  if (!r.data) return <Busy what="namespaces" />;
  return (
    <section aria-labelledby="ns-title">
      <div class="view-head">
        <h1 id="ns-title">Namespaces</h1>
      </div>
      {r.data.items.length === 0 ? (
        <p class="empty">No certificate lives in a namespace (no Secret, ConfigMap or webhook was scanned).</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Namespace</th>
                <th scope="col">Certificates</th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {r.data.items.map((n) => (
                <tr key={n.name}>
                  <td>
                    <a href={`/namespaces/${encodeURIComponent(n.name)}`}>{n.name}</a>
                  </td>
                  <td>{n.certificates}</td>
                  <td>
                    <Counts findings={n.findings} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One node's or namespace's findings and certificates. */
export function ScopeView({ kind, name, now, generation, rules }: { kind: "node" | "namespace"; name: string } & Omit<ViewProps, "loc" | "params">) {
  const findings = useApi<FindingPage>(`findings${query({ [kind]: name, limit: 200 })}`, generation);
  const certs = useApi<Page<ApiCertificate>>(`certificates${query({ [kind]: name, limit: 500 })}`, generation);
  const nodes = useApi<{ items: ApiNode[] }>(kind === "node" ? "nodes" : undefined, generation);
  const node = nodes.data?.items.find((n) => n.name === name);
  const error = findings.error ?? certs.error;
  if (error) return <Failed error={error} />;
  return (
    <section aria-labelledby="scope-title">
      <p class="crumbs">
        <a href={kind === "node" ? "/nodes" : "/namespaces"}>{kind === "node" ? "Nodes" : "Namespaces"}</a> /
      </p>
      <h1 id="scope-title" title={name}>
        {kind === "node" ? `Node ${nodeLabel(name)}` : `Namespace ${name}`}
      </h1>
      {node && (
        <p>
          Agent: {AGENT[node.agent.status]}
          {node.agent.lastReportAt && `, last report ${utc(node.agent.lastReportAt)} (${relative(node.agent.lastReportAt, now)})`}
        </p>
      )}
      <h2>Findings {findings.data && `(${findings.data.total})`}</h2>
      {!findings.data ? (
        <Busy what="findings" />
      ) : findings.data.items.length === 0 ? (
        <p class="muted">No open finding.</p>
      ) : (
        <ol class="findings">
          {findings.data.items.map((f) => (
            <li key={f.id}>
              <FindingCard f={f} now={now} rule={rules.get(f.rule)} />
            </li>
          ))}
        </ol>
      )}
      <h2>Certificates {certs.data && `(${certs.data.total})`}</h2>
      {!certs.data ? <Busy what="certificates" /> : <CertTable items={certs.data.items} now={now} />}
    </section>
  );
}

export function NodeView(p: ViewProps) {
  return <ScopeView kind="node" name={p.params.name ?? ""} now={p.now} generation={p.generation} rules={p.rules} />;
}

export function NamespaceView(p: ViewProps) {
  return <ScopeView kind="namespace" name={p.params.name ?? ""} now={p.now} generation={p.generation} rules={p.rules} />;
}
