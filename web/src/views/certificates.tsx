/**
 * The expiry overview: every certificate in use with role, node/namespace, expiry, time left, issuing CA
 * and whether that CA's key is present (kubeadm's check-expiration, for the whole cluster), sorted by
 * the server, filtered and paged; above it, how many expire within 7/30/90/365 days (a bar per window,
 * each a link that filters the table to it).
 */
import { useEffect, useState } from "preact/hooks";
import { get, query, type ApiCertificate, type Page, type Summary } from "../api.js";
import type { ViewProps } from "../app.js";
import { Busy, Failed } from "../components.js";
import { commonName, formatDuration, nodeLabel, utc } from "../format.js";
import { setParams } from "../router.js";
import { handleError, useApi } from "../use-api.js";

const SORTS = [
  { key: "subject", label: "Subject" },
  { key: "role", label: "Role" },
  { key: "node", label: "Node" },
  { key: "namespace", label: "Namespace" },
  { key: "notAfter", label: "Expires" },
] as const;

const WINDOWS = [
  { key: "expired", label: "expired", within: undefined },
  { key: "d7", label: "≤ 7 days", within: "7d" },
  { key: "d30", label: "7–30 days", within: "30d" },
  { key: "d90", label: "30–90 days", within: "90d" },
  { key: "d365", label: "90–365 days", within: "365d" },
  { key: "later", label: "later", within: undefined },
] as const;

export function timeLeft(notAfter: string, now: number): string {
  const d = Date.parse(notAfter) - now;
  return d <= 0 ? `expired ${formatDuration(d)} ago` : formatDuration(d);
}

export function CertificatesView({ loc, now, generation }: ViewProps) {
  const p = loc.params;
  const f = {
    sort: p.get("sort") ?? "notAfter",
    order: p.get("order") ?? "asc",
    q: p.get("q") ?? "",
    node: p.get("node") ?? "",
    namespace: p.get("namespace") ?? "",
    ca: p.get("ca") ?? "",
    expiresWithin: p.get("expiresWithin") ?? "",
  };
  const params = { sort: f.sort, order: f.order, q: f.q, node: f.node, namespace: f.namespace, ca: f.ca, expiresWithin: f.expiresWithin, limit: 200 };
  const first = useApi<Page<ApiCertificate>>(`certificates${query(params)}`, generation);
  const summary = useApi<Summary>("summary", generation);
  const [more, setMore] = useState<{ items: ApiCertificate[]; next: string | null }>({ items: [], next: null });
  const [search, setSearch] = useState(f.q);
  useEffect(() => setMore({ items: [], next: first.data?.next ?? null }), [first.data]);
  if (first.error) return <Failed error={first.error} />;
  const all = [...(first.data?.items ?? []), ...more.items];
  // backups (kubeadm's pki/expired, K3s tls-<ts>/) are placed but not in use; kubeadm's overview leaves them out too
  const withBackups = p.get("backups") === "true";
  const items = withBackups ? all : all.filter((c) => !c.backup);
  const hidden = all.length - items.length;
  const sortBy = (key: string): void => setParams({ sort: key, order: f.sort === key && f.order === "asc" ? "desc" : "asc" });
  const loadMore = async (): Promise<void> => {
    if (more.next === null) return;
    try {
      const page = await get<Page<ApiCertificate>>(`certificates${query({ ...params, cursor: more.next })}`);
      setMore({ items: [...more.items, ...page.items], next: page.next });
    } catch (err) {
      handleError(err);
    }
  };
  return (
    <section aria-labelledby="certs-title">
      <div class="view-head">
        <h1 id="certs-title">Certificates</h1>
        <p class="muted">{first.data ? `${first.data.total} certificate${first.data.total === 1 ? "" : "s"} in use` : "…"} · time left as of {utc(now)}</p>
      </div>
      {summary.data && <ExpiryChart summary={summary.data} active={f.expiresWithin} />}
      <form
        class="filters"
        aria-label="Filter certificates"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ q: search.trim() });
        }}
      >
        <div class="field">
          <label for="cert-q">Subject or issuer contains</label>
          <input id="cert-q" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="cert-within">Expires within</label>
          <select id="cert-within" value={f.expiresWithin} onChange={(e) => setParams({ expiresWithin: (e.target as HTMLSelectElement).value })}>
            <option value="">any time</option>
            {["7d", "30d", "90d", "365d"].map((w) => (
              <option key={w} value={w}>
                {w.replace("d", " days")}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" checked={f.ca === "true"} onChange={(e) => setParams({ ca: (e.target as HTMLInputElement).checked ? "true" : undefined })} /> CAs only
        </label>
        {(f.node || f.namespace) && (
          <p>
            {f.node && <>Node {nodeLabel(f.node)} </>}
            {f.namespace && <>Namespace {f.namespace} </>}
            <button type="button" class="link" onClick={() => setParams({ node: undefined, namespace: undefined })}>
              clear
            </button>
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={withBackups} onChange={(e) => setParams({ backups: (e.target as HTMLInputElement).checked ? "true" : undefined })} /> Include backups
        </label>
        <button type="submit">Search</button>
      </form>
      {!first.data ? (
        <Busy what="certificates" />
      ) : (
        <>
          {hidden > 0 && <p class="muted">{hidden} backup certificate{hidden === 1 ? "" : "s"} not shown.</p>}
          <CertTable items={items} now={now} sort={f.sort} order={f.order} onSort={sortBy} />
        </>
      )}
      {more.next !== null && first.data && (
        <button type="button" onClick={() => void loadMore()}>
          Show more ({first.data.total - all.length} left)
        </button>
      )}
    </section>
  );
}

export function CertTable({ items, now, sort, order, onSort }: { items: ApiCertificate[]; now: number; sort?: string; order?: string; onSort?: (key: string) => void }) {
  if (items.length === 0) return <p class="empty">No certificate matches.</p>;
  return (
    <div class="table-wrap">
      <table class="certs-table">
        <thead>
          <tr>
            {SORTS.map((s) => (
              <th key={s.key} scope="col" aria-sort={sort === s.key ? (order === "desc" ? "descending" : "ascending") : undefined}>
                {onSort ? (
                  <button type="button" onClick={() => onSort(s.key)}>
                    {s.label}
                    {sort === s.key ? (order === "desc" ? " ↓" : " ↑") : ""}
                  </button>
                ) : (
                  s.label
                )}
              </th>
            ))}
            <th scope="col">Time left</th>
            <th scope="col">Issuing CA</th>
            <th scope="col">CA key</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => {
            const left = Date.parse(c.notAfter) - now;
            return (
              <tr key={c.fingerprint} class={left <= 0 ? "expired" : left < 7 * 86_400_000 ? "soon" : undefined}>
                <td>
                  <a href={`/certificates/${c.fingerprint}`}>{commonName(c.subject)}</a>
                  {c.isCA && <span class="tag">CA</span>}
                  {c.backup && <span class="tag">backup</span>}
                </td>
                <td>{c.role ?? "—"}</td>
                <td title={c.node ?? undefined}>{c.node ? nodeLabel(c.node) : "—"}</td>
                <td>{c.namespace ?? "—"}</td>
                <td>{utc(c.notAfter)}</td>
                <td>{timeLeft(c.notAfter, now)}</td>
                <td>{c.issuers[0] ? <a href={`/certificates/${c.issuers[0].fingerprint}`}>{commonName(c.issuers[0].subject)}</a> : <span title={c.issuer}>{commonName(c.issuer)} (not found)</span>}</td>
                <td>{c.caKeyPresent === null ? "unknown" : c.caKeyPresent ? "present" : "absent"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Bars for the expiry windows (an SVG drawn here: six bars need no chart library). */
function ExpiryChart({ summary, active }: { summary: Summary; active: string }) {
  const counts = WINDOWS.map((w) => summary.expiry[w.key]);
  const max = Math.max(1, ...counts);
  const W = 100 / WINDOWS.length;
  return (
    <figure class="expiry-chart">
      <figcaption>When certificates in use expire</figcaption>
      <ol class="bars">
        {WINDOWS.map((w, i) => {
          const n = counts[i]!;
          const label = `${n} ${w.key === "expired" ? "expired" : w.key === "later" ? "expire after a year" : `expire in ${w.label}`}`;
          const bar = (
            <>
              <span class="bar-n">{n}</span>
              <svg viewBox="0 0 10 40" preserveAspectRatio="none" aria-hidden="true" class="bar-svg">
                <rect x="1" width="8" y={40 - (n / max) * 40} height={(n / max) * 40} class={`bar-${w.key}`} />
              </svg>
              <span class="bar-label">{w.label}</span>
            </>
          );
          return (
            <li key={w.key} style={{ width: `${W}%` }}>
              {w.within ? (
                <a href={`/certificates?expiresWithin=${w.within}`} title={`list every certificate expiring within ${w.within.replace("d", " days")}`} aria-label={label} aria-current={active === w.within ? "true" : undefined}>
                  {bar}
                </a>
              ) : (
                <span aria-label={label} role="img">
                  {bar}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
