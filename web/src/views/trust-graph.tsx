/**
 * The trust graph: each CA in use and what it signed, issuer edges between CAs, and divergent variants
 * of one CA identity (same role, different keys) drawn side by side and linked. The drawing (Cytoscape,
 * loaded only when this view opens) is for the eye; the same facts are in the lists below it, which the
 * keyboard and screen readers use: every variant with where it is stored and which leaves it signed.
 * Clicking a certificate in the drawing or a list opens its detail page.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { TrustGraph, TrustGraphCa } from "../api.js";
import type { ViewProps } from "../app.js";
import { Busy, Failed } from "../components.js";
import { commonName, nodeLabel, shortFingerprint, utc } from "../format.js";
import { navigate } from "../router.js";
import { useApi } from "../use-api.js";

function Where({ ca }: { ca: TrustGraphCa }) {
  return (
    <ul class="locations">
      {ca.locations.map((l) => (
        <li key={l.ref}>
          <code>{l.ref}</code>
          {l.node && <span class="muted"> on {nodeLabel(l.node)}</span>}
        </li>
      ))}
    </ul>
  );
}

function Signed({ ca }: { ca: TrustGraphCa }) {
  if (ca.signedCount === 0) return <p class="muted">signed nothing certdoctor saw</p>;
  return (
    <p>
      Signed {ca.signedCount}:{" "}
      {ca.signed.map((s, i) => (
        <span key={s.fingerprint}>
          {i > 0 && ", "}
          <a href={`/certificates/${s.fingerprint}`}>{commonName(s.subject)}</a>
        </span>
      ))}
      {ca.signedCount > ca.signed.length && ` and ${ca.signedCount - ca.signed.length} more`}
    </p>
  );
}

export function TrustGraphView({ generation }: ViewProps) {
  const g = useApi<TrustGraph>("trust-graph?leaves=20", generation);
  if (g.error) return <Failed error={g.error} />;
  if (!g.data) return <Busy what="the trust graph" />;
  const graph = g.data;
  const byFp = new Map(graph.cas.map((c) => [c.fingerprint, c]));
  return (
    <section aria-labelledby="tg-title">
      <div class="view-head">
        <h1 id="tg-title">Trust graph</h1>
        <p class="muted">
          {graph.cas.length} CAs, {graph.variants.length} CA identit{graph.variants.length === 1 ? "y" : "ies"} with divergent variants
        </p>
      </div>
      <GraphCanvas graph={graph} />
      {graph.variants.length > 0 && (
        <>
          <h2>Divergent CA identities</h2>
          <p class="muted">One CA role held by certificates with different keys: what one variant signed, holders of the other reject.</p>
          {graph.variants.map((v) => (
            <section key={v.identity} class="variant" aria-label={`CA identity ${v.identity}`} data-identity={v.identity}>
              <h3>
                <span aria-hidden="true">⚠ </span>
                {v.identity}: {v.certificates.length} variants
              </h3>
              <div class="side-by-side">
                {v.certificates.map((fp, i) => {
                  const ca = byFp.get(fp);
                  return (
                    <div key={fp} class="variant-card">
                      <h4>
                        Variant {i + 1}: <a href={`/certificates/${fp}`}>{ca ? commonName(ca.subject) : shortFingerprint(fp)}</a> <span class="muted">({shortFingerprint(fp)})</span>
                      </h4>
                      {ca && (
                        <>
                          <p class="muted">
                            valid until {utc(ca.notAfter)} · key {ca.keyPresent ? "present" : "not found"}
                          </p>
                          <p>Stored at:</p>
                          <Where ca={ca} />
                          <Signed ca={ca} />
                        </>
                      )}
                    </div>
                  );
                })}
              </div>
            </section>
          ))}
        </>
      )}
      <h2>All CAs</h2>
      <ul class="ca-list">
        {graph.cas.map((ca) => (
          <li key={ca.fingerprint}>
            <a href={`/certificates/${ca.fingerprint}`}>{commonName(ca.subject)}</a> <span class="muted">({shortFingerprint(ca.fingerprint)})</span>
            {ca.selfSigned ? <span class="tag">root</span> : <span class="muted"> signed by {commonName(ca.issuer)}</span>}
            {ca.caIdentities.map((id) => (
              <span key={id} class="tag">
                {id}
              </span>
            ))}
            <Signed ca={ca} />
          </li>
        ))}
      </ul>
    </section>
  );
}

const CYTOSCAPE_STYLESHEET_ID = "__________cytoscape_stylesheet";

const STYLE = [
  // leaf names appear once zoomed in (dozens of them side by side would overlap); CA names always show
  { selector: "node", style: { label: "data(label)", "font-size": 9, "min-zoomed-font-size": 11, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": "90px", color: "#5b6270", "background-color": "#9aa3b2", width: 12, height: 12 } },
  { selector: "node.ca", style: { "background-color": "#1d4ed8", shape: "round-rectangle", width: 26, height: 26, "font-size": 10, "min-zoomed-font-size": 0, "font-weight": "bold", color: "#16181d" } },
  { selector: "node.variant", style: { "background-color": "#b91c1c", "border-width": 4, "border-color": "#f59e0b", "border-style": "double" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa3b2", "target-arrow-color": "#9aa3b2", "target-arrow-shape": "triangle", "curve-style": "bezier" } },
  { selector: "edge.diverged", style: { "line-style": "dashed", "line-color": "#b91c1c", "target-arrow-shape": "none", width: 3, label: "data(label)", "font-size": 10, color: "#b91c1c" } },
];

/** The drawing; Cytoscape is imported here, so its chunk loads only with this view. */
function GraphCanvas({ graph }: { graph: TrustGraph }) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    let destroyed = false;
    let cy: { destroy(): void } | undefined;
    void import("cytoscape").then(
      ({ default: cytoscape }) => {
        if (destroyed || !box.current) return;
        // Cytoscape injects an inline <style> unless an element with this id exists; the CSP forbids inline
        // styles, so the one rule it would add (position: relative) is in style.css and this marks it present
        if (!document.getElementById(CYTOSCAPE_STYLESHEET_ID)) {
          const marker = document.createElement("meta");
          marker.id = CYTOSCAPE_STYLESHEET_ID;
          document.head.append(marker);
        }
        const inVariant = new Set(graph.variants.flatMap((v) => v.certificates));
        const elements: Array<{ data: Record<string, string>; classes?: string }> = [];
        const seen = new Set<string>();
        for (const ca of graph.cas) {
          seen.add(ca.fingerprint);
          elements.push({ data: { id: ca.fingerprint, label: `${commonName(ca.subject)}\n${shortFingerprint(ca.fingerprint)}` }, classes: inVariant.has(ca.fingerprint) ? "ca variant" : "ca" });
        }
        for (const ca of graph.cas) {
          for (const leaf of ca.signed) {
            if (!seen.has(leaf.fingerprint)) {
              seen.add(leaf.fingerprint);
              elements.push({ data: { id: leaf.fingerprint, label: commonName(leaf.subject) } });
            }
            elements.push({ data: { id: `${ca.fingerprint}>${leaf.fingerprint}`, source: ca.fingerprint, target: leaf.fingerprint } });
          }
        }
        for (const e of graph.edges) {
          if (seen.has(e.issuer) && seen.has(e.subject) && e.issuer !== e.subject && !elements.some((x) => x.data.id === `${e.issuer}>${e.subject}`)) {
            elements.push({ data: { id: `${e.issuer}>${e.subject}`, source: e.issuer, target: e.subject } });
          }
        }
        for (const v of graph.variants) {
          for (let i = 1; i < v.certificates.length; i++) {
            elements.push({ data: { id: `${v.identity}~${i}`, source: v.certificates[0]!, target: v.certificates[i]!, label: `≠ ${v.identity}` }, classes: "diverged" });
          }
        }
        const instance = cytoscape({
          container: box.current,
          elements,
          style: STYLE as never,
          layout: { name: "breadthfirst", directed: true, spacingFactor: 1.4, padding: 20 } as never,
          wheelSensitivity: 0.3,
          minZoom: 0.2,
          maxZoom: 3,
        });
        instance.on("tap", "node", (e) => navigate(`/certificates/${e.target.id()}`));
        cy = instance;
      },
      (err: unknown) => setFailed(String(err)),
    );
    return () => {
      destroyed = true;
      cy?.destroy();
    };
  }, [graph]);
  return (
    <figure class="graph">
      <div ref={box} class="graph-box" role="img" aria-label={`Trust graph: ${graph.cas.length} CAs and what they signed; the lists below hold the same facts`} data-testid="trust-graph-canvas" />
      <figcaption class="muted">
        Squares are CAs, dots what they signed; red double-bordered squares are divergent variants of one CA identity, joined by a dashed line. Click one to open it.
        {failed && <span class="error"> The drawing failed to load: {failed}</span>}
      </figcaption>
    </figure>
  );
}
