/**
 * The change timeline: every change at a location, newest first (appeared, changed, removed), CA
 * changes emphasised, with who or what saw it (file rescan, cluster watch, endpoint probe, an agent)
 * and, for API objects, the managedFields actor. Filters: CA changes only, kind, since.
 */
import { useEffect, useState } from "preact/hooks";
import { get, query, type ApiChange, type Page } from "../api.js";
import type { ViewProps } from "../app.js";
import { Busy, Failed } from "../components.js";
import { commonName, nodeLabel, shortFingerprint, utc } from "../format.js";
import { setParams } from "../router.js";
import { handleError, useApi } from "../use-api.js";

const KIND_SYMBOL: Record<string, string> = { appeared: "+", changed: "↻", removed: "−" };

function who(c: ApiChange): string {
  const src = c.source.kind === "agent" ? `agent on ${c.source.name}` : c.source.kind === "file-scan" ? (c.source.name ? `file rescan of ${c.source.name}` : "file rescan") : c.source.kind === "kube-watch" ? "cluster watch" : "endpoint probe";
  if (!c.actor) return src;
  return `${src}; last written by ${c.actor.manager} (${c.actor.operation}${c.actor.time ? `, ${utc(c.actor.time)}` : ""})`;
}

export function ChangeList({ changes }: { changes: ApiChange[] }) {
  if (changes.length === 0) return <p class="empty">No change recorded.</p>;
  return (
    <ol class="changes">
      {changes.map((c) => (
        <li key={c.id} class={`change change-${c.kind}${c.ca ? " change-ca" : ""}`} data-kind={c.kind}>
          <div class="row">
            <span class="kind">
              <span aria-hidden="true">{KIND_SYMBOL[c.kind]}</span> {c.kind}
              {c.ca && <strong class="tag ca-tag">CA</strong>}
            </span>
            <time dateTime={c.at}>{utc(c.at)}</time>
          </div>
          <code class="where">{c.location.ref}</code>
          <p class="what">
            {c.oldFingerprint && (
              <>
                was <a href={`/certificates/${c.oldFingerprint}`}>{commonName(c.oldSubject ?? "")}</a> <span class="muted">({shortFingerprint(c.oldFingerprint)})</span>
              </>
            )}
            {c.oldFingerprint && c.newFingerprint && " → "}
            {c.newFingerprint && (
              <>
                now <a href={`/certificates/${c.newFingerprint}`}>{commonName(c.newSubject ?? "")}</a> <span class="muted">({shortFingerprint(c.newFingerprint)})</span>
              </>
            )}
          </p>
          <p class="muted who">
            Seen by {who(c)}
            {c.location.node && ` · node ${nodeLabel(c.location.node)}`}
            {c.resourceVersion && ` · resourceVersion ${c.resourceVersion}`}
          </p>
        </li>
      ))}
    </ol>
  );
}

export function TimelineView({ loc, generation }: ViewProps) {
  const p = loc.params;
  const f = { ca: p.get("ca") ?? "", kind: p.get("kind") ?? "", since: p.get("since") ?? "", node: p.get("node") ?? "", namespace: p.get("namespace") ?? "" };
  const params = { ca: f.ca, kind: f.kind, since: f.since, node: f.node, namespace: f.namespace, limit: 100 };
  const first = useApi<Page<ApiChange>>(`timeline${query(params)}`, generation);
  const [more, setMore] = useState<{ items: ApiChange[]; next: string | null }>({ items: [], next: null });
  useEffect(() => setMore({ items: [], next: first.data?.next ?? null }), [first.data]);
  if (first.error) return <Failed error={first.error} />;
  const loadMore = async (): Promise<void> => {
    if (more.next === null) return;
    try {
      const page = await get<Page<ApiChange>>(`timeline${query({ ...params, cursor: more.next })}`);
      setMore({ items: [...more.items, ...page.items], next: page.next });
    } catch (err) {
      handleError(err);
    }
  };
  return (
    <section aria-labelledby="timeline-title">
      <div class="view-head">
        <h1 id="timeline-title">Timeline</h1>
        <p class="muted">{first.data ? `${first.data.total} change${first.data.total === 1 ? "" : "s"}, newest first` : "…"}</p>
      </div>
      <form class="filters" aria-label="Filter changes" onSubmit={(e) => e.preventDefault()}>
        <label class="check">
          <input type="checkbox" checked={f.ca === "true"} onChange={(e) => setParams({ ca: (e.target as HTMLInputElement).checked ? "true" : undefined })} /> CA changes only
        </label>
        <div class="field">
          <label for="tl-kind">Kind</label>
          <select id="tl-kind" value={f.kind} onChange={(e) => setParams({ kind: (e.target as HTMLSelectElement).value })}>
            <option value="">all</option>
            <option value="appeared">appeared</option>
            <option value="changed">changed</option>
            <option value="removed">removed</option>
          </select>
        </div>
        <div class="field">
          <label for="tl-since">Since</label>
          <select id="tl-since" value={f.since} onChange={(e) => setParams({ since: (e.target as HTMLSelectElement).value })}>
            <option value="">the beginning</option>
            <option value="24h">the last 24 hours</option>
            <option value="7d">the last 7 days</option>
            <option value="30d">the last 30 days</option>
          </select>
        </div>
      </form>
      {!first.data ? <Busy what="changes" /> : <ChangeList changes={[...first.data.items, ...more.items]} />}
      {more.next !== null && (
        <button type="button" onClick={() => void loadMore()}>
          Show more
        </button>
      )}
    </section>
  );
}
