/**
 * Findings first: worst on top, then by time to impact (the API's order), each with its explanation,
 * locations and the distribution-specific fix to copy. Filters (severity, rule, node, namespace) and
 * the compact one-line-per-finding view live in the URL, so a filtered view can be shared.
 */
import { useEffect, useState } from "preact/hooks";
import { get, query, type ApiFinding, type FindingPage } from "../api.js";
import type { RuleInfo, ViewProps } from "../app.js";
import { Busy, CopyButton, Failed, Markdown, SeverityBadge } from "../components.js";
import { nodeLabel, relative, shortFingerprint, utc } from "../format.js";
import { setParams } from "../router.js";
import { handleError, useApi } from "../use-api.js";

const SEVERITIES = ["critical", "warning", "info"] as const;
const PAGE = 100;

/** "breaks in 3 d (2026-12-04 10:00 UTC)", "broken now", "broken since …", or "" for hygiene findings. */
export function impactText(f: Pick<ApiFinding, "impactAt">, now: number): string {
  if (f.impactAt === null) return "";
  const t = Date.parse(f.impactAt);
  if (Math.abs(now - t) < 60_000) return "broken now";
  return t < now ? `broken since ${utc(t)} (${relative(t, now)})` : `breaks ${relative(t, now)} (${utc(t)})`;
}

/** One line for an incident channel. */
export function compactLine(f: ApiFinding, now: number): string {
  const where = f.locations[0]?.ref ?? "";
  const more = f.locations.length > 1 ? ` (+${f.locations.length - 1} more)` : "";
  const impact = impactText(f, now);
  return [`[${f.severity.toUpperCase()}]`, f.rule, "—", f.title, impact && `— ${impact}`, where && `— ${where}${more}`].filter(Boolean).join(" ");
}

export function FindingsView({ loc, now, generation, rules }: ViewProps) {
  const p = loc.params;
  const severity = p.get("severity")?.split(",").filter(Boolean) ?? [];
  const filters = { severity, rule: p.get("rule") ?? "", node: p.get("node") ?? "", namespace: p.get("namespace") ?? "" };
  const compact = p.get("view") === "compact";
  const path = `findings${query({ facets: true, limit: PAGE, severity, rule: filters.rule, node: filters.node, namespace: filters.namespace })}`;
  const first = useApi<FindingPage>(path, generation);
  const [more, setMore] = useState<{ items: ApiFinding[]; next: string | null }>({ items: [], next: null });
  const [moreError, setMoreError] = useState<string>();
  useEffect(() => setMore({ items: [], next: first.data?.next ?? null }), [first.data]);

  if (first.error) return <Failed error={first.error} />;
  if (!first.data) return <Busy what="findings" />;
  const page = first.data;
  const items = [...page.items, ...more.items];
  const loadMore = async (): Promise<void> => {
    if (more.next === null) return;
    try {
      const next = await get<FindingPage>(`findings${query({ limit: PAGE, severity, rule: filters.rule, node: filters.node, namespace: filters.namespace, cursor: more.next })}`);
      setMore({ items: [...more.items, ...next.items], next: next.next });
    } catch (err) {
      setMoreError(handleError(err)?.message);
    }
  };
  const facets = page.facets;
  const toggleSeverity = (s: string): void => {
    const next = severity.includes(s) ? severity.filter((x) => x !== s) : [...severity, s];
    setParams({ severity: next.join(",") });
  };
  const lines = items.map((f) => compactLine(f, now)).join("\n");
  return (
    <section aria-labelledby="findings-title">
      <div class="view-head">
        <h1 id="findings-title">Findings</h1>
        <p class="muted">
          {page.total} open finding{page.total === 1 ? "" : "s"}, worst and soonest-breaking first · as of {utc(now)}
        </p>
      </div>
      <form class="filters" aria-label="Filter findings" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Severity</legend>
          {SEVERITIES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={severity.includes(s)} onChange={() => toggleSeverity(s)} /> <SeverityBadge severity={s} /> <span class="count">{facets?.severity[s] ?? 0}</span>
            </label>
          ))}
        </fieldset>
        <FacetSelect label="Rule" name="rule" value={filters.rule} counts={facets?.rule} />
        <FacetSelect label="Node" name="node" value={filters.node} counts={facets?.node} />
        <FacetSelect label="Namespace" name="namespace" value={filters.namespace} counts={facets?.namespace} />
        <fieldset>
          <legend>Layout</legend>
          <label class="check">
            <input type="radio" name="layout" checked={!compact} onChange={() => setParams({ view: undefined })} /> Detailed
          </label>
          <label class="check">
            <input type="radio" name="layout" checked={compact} onChange={() => setParams({ view: "compact" })} /> Compact
          </label>
        </fieldset>
      </form>
      {items.length === 0 && <p class="empty">No open finding matches. {severity.length + Number(!!filters.rule) + Number(!!filters.node) + Number(!!filters.namespace) > 0 ? "Clear the filters to see all." : "Nothing is wrong as far as certdoctor can see."}</p>}
      {compact && items.length > 0 ? (
        <div class="compact">
          <div class="row">
            <label for="compact-lines">One line per finding, for an incident channel</label>
            <CopyButton text={lines} label="Copy all" />
          </div>
          <textarea id="compact-lines" readOnly rows={Math.min(30, items.length + 1)} value={lines} />
        </div>
      ) : (
        <ol class="findings">
          {items.map((f) => (
            <li key={f.id}>
              <FindingCard f={f} now={now} rule={rules.get(f.rule)} />
            </li>
          ))}
        </ol>
      )}
      {moreError && (
        <p class="error" role="alert">
          {moreError}
        </p>
      )}
      {more.next !== null && (
        <button type="button" onClick={() => void loadMore()}>
          Show more ({page.total - items.length} left)
        </button>
      )}
    </section>
  );
}

function FacetSelect({ label, name, value, counts }: { label: string; name: string; value: string; counts: Record<string, number> | undefined }) {
  const options = Object.entries(counts ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  if (value !== "" && !options.some(([k]) => k === value)) options.unshift([value, 0]);
  const id = `filter-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => setParams({ [name]: (e.target as HTMLSelectElement).value })}>
        <option value="">All</option>
        {options.map(([k, n]) => (
          <option key={k} value={k}>
            {name === "node" ? nodeLabel(k) : k} ({n})
          </option>
        ))}
      </select>
    </div>
  );
}

export function FindingCard({ f, now, rule }: { f: ApiFinding; now: number; rule: RuleInfo | undefined }) {
  const impact = impactText(f, now);
  const titleId = `f-${f.id}`;
  return (
    <article class={`finding sev-border-${f.severity}`} aria-labelledby={titleId} data-rule={f.rule}>
      <header>
        <SeverityBadge severity={f.severity} />
        <h2 id={titleId}>{f.title}</h2>
        {impact && <span class="impact">{impact}</span>}
      </header>
      <p class="detail">{f.detail}</p>
      <dl class="facts">
        <dt>Rule</dt>
        <dd>
          <code>{f.rule}</code>
        </dd>
        {f.node && (
          <>
            <dt>Node</dt>
            <dd>
              <a href={`/nodes/${encodeURIComponent(f.node)}`} title={f.node}>
                {nodeLabel(f.node)}
              </a>
            </dd>
          </>
        )}
        {f.namespace && (
          <>
            <dt>Namespace</dt>
            <dd>
              <a href={`/namespaces/${encodeURIComponent(f.namespace)}`}>{f.namespace}</a>
            </dd>
          </>
        )}
        <dt>Open since</dt>
        <dd>{utc(f.openedAt)}</dd>
      </dl>
      {f.locations.length > 0 && (
        <>
          <h3>Where</h3>
          <ul class="locations">
            {f.locations.map((l) => (
              <li key={l.ref}>
                <code>{l.ref}</code>
                {l.node && <span class="muted"> on {nodeLabel(l.node)}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {f.certificates.length > 0 && (
        <p class="certs">
          Certificate{f.certificates.length > 1 ? "s" : ""}:{" "}
          {f.certificates.map((fp, i) => (
            <>
              {i > 0 && ", "}
              <a key={fp} href={`/certificates/${fp}`}>
                {shortFingerprint(fp)}
              </a>
            </>
          ))}
        </p>
      )}
      <div class="fix">
        <div class="row">
          <h3>Fix</h3>
          <CopyButton text={f.remediation} label="Copy fix" />
        </div>
        <pre>
          <code>{f.remediation}</code>
        </pre>
      </div>
      {rule && (
        <details>
          <summary>Why it matters: {rule.title}</summary>
          <Markdown text={rule.explain} />
        </details>
      )}
    </article>
  );
}

