/**
 * One certificate: what it is, time left, every location it was ever placed at (past and present), its
 * chain up to a root, what it signed, who trusts it (trust contexts where it is an anchor), its findings
 * and its history of changes.
 */
import type { ApiCertificateDetail, CertRef } from "../api.js";
import type { ViewProps } from "../app.js";
import { Busy, Failed } from "../components.js";
import { showDnsName } from "../../../src/output/idna.js";
import { commonName, nodeLabel, utc } from "../format.js";
import { useApi } from "../use-api.js";
import { timeLeft } from "./certificates.js";
import { FindingCard } from "./findings.js";
import { ChangeList } from "./timeline.js";

function CertLink({ c }: { c: CertRef }) {
  return (
    <a href={`/certificates/${c.fingerprint}`}>
      {commonName(c.subject)}
      {c.isCA ? " (CA)" : ""}
    </a>
  );
}

export function CertificateView({ params, now, generation, rules }: ViewProps) {
  const fp = params.fingerprint ?? "";
  const d = useApi<ApiCertificateDetail>(/^[0-9a-f]{64}$/.test(fp) ? `certificates/${fp}` : undefined, generation);
  if (!/^[0-9a-f]{64}$/.test(fp)) return <p class="banner error">Not a certificate fingerprint: a certificate's address is /certificates/ and its SHA-256 (64 hex digits).</p>;
  if (d.error) return <Failed error={d.error} />;
  if (!d.data) return <Busy what="the certificate" />;
  const c = d.data;
  return (
    <article aria-labelledby="cert-title" class="cert-detail">
      <p class="crumbs">
        <a href="/certificates">Certificates</a> /
      </p>
      <h1 id="cert-title">
        {commonName(c.subject)} {c.isCA && <span class="tag">CA</span>} {c.backup && <span class="tag">backup</span>} {!c.current && <span class="tag">no longer placed anywhere</span>}
      </h1>
      <dl class="grid">
        <dt>Subject</dt>
        <dd>
          <code>{c.subject}</code>
        </dd>
        <dt>Issuer</dt>
        <dd>
          <code>{c.issuer}</code>
        </dd>
        <dt>Valid</dt>
        <dd>
          {utc(c.notBefore)} to {utc(c.notAfter)} · <strong>{timeLeft(c.notAfter, now)}</strong>
          {Date.parse(c.notAfter) > now && " left"}
        </dd>
        <dt>Role</dt>
        <dd>{c.role ?? "—"}</dd>
        <dt>Node / namespace</dt>
        <dd>
          {c.node ? <a href={`/nodes/${encodeURIComponent(c.node)}`}>{nodeLabel(c.node)}</a> : "—"} / {c.namespace ? <a href={`/namespaces/${encodeURIComponent(c.namespace)}`}>{c.namespace}</a> : "—"}
        </dd>
        <dt>Key</dt>
        <dd>
          {c.keyType} {c.keySize} · {c.signatureAlgorithm} · private key {c.keyPresent ? "found beside it" : "not found"} · issuing CA key {c.caKeyPresent === null ? "unknown" : c.caKeyPresent ? "present" : "absent"}
        </dd>
        {(c.dnsNames.length > 0 || c.ipAddresses.length > 0) && (
          <>
            <dt>Names</dt>
            <dd>{[...c.dnsNames.map(showDnsName), ...c.ipAddresses].join(", ")}</dd>
          </>
        )}
        <dt>SHA-256</dt>
        <dd>
          <code>{c.fingerprint}</code>
        </dd>
        <dt>Serial</dt>
        <dd>
          <code>{c.serialNumber}</code>
        </dd>
        <dt>Seen</dt>
        <dd>
          first {utc(c.firstSeen)}, last {utc(c.lastSeen)}
        </dd>
      </dl>

      <h2>Chain</h2>
      {c.chain.length === 0 ? (
        <p class="muted">{c.issuers.length === 0 && c.subject !== c.issuer ? "Its issuer was not found anywhere certdoctor looked." : "Self-signed: it is a root."}</p>
      ) : (
        <ol class="chain">
          <li>
            <strong>{commonName(c.subject)}</strong>
          </li>
          {c.chain.map((x) => (
            <li key={x.fingerprint}>
              signed by <CertLink c={x} />
            </li>
          ))}
        </ol>
      )}

      <h2>Locations, past and present</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col">Node</th>
              <th scope="col">Role</th>
              <th scope="col">Trust context</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
            </tr>
          </thead>
          <tbody>
            {c.placements.map((pl) => (
              <tr key={pl.location.ref + pl.from} class={pl.to === null ? undefined : "past"}>
                <td>
                  <code>{pl.location.ref}</code>
                  {pl.anchor && <span class="tag">trust anchor</span>}
                  {pl.backup && <span class="tag">backup</span>}
                </td>
                <td>{pl.location.node ? nodeLabel(pl.location.node) : "—"}</td>
                <td>{pl.role ?? pl.caIdentity ?? "—"}</td>
                <td>{pl.context ?? "—"}</td>
                <td>{utc(pl.from)}</td>
                <td>{pl.to === null ? "now" : utc(pl.to)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {c.isCA && (
        <>
          <h2>Signed ({c.signed.total})</h2>
          {c.signed.items.length === 0 ? (
            <p class="muted">Nothing certdoctor saw was signed by it.</p>
          ) : (
            <ul class="signed">
              {c.signed.items.map((x) => (
                <li key={x.fingerprint}>
                  <CertLink c={x} /> <span class="muted">until {utc(x.notAfter)}</span>
                </li>
              ))}
              {c.signed.total > c.signed.items.length && <li class="muted">and {c.signed.total - c.signed.items.length} more</li>}
            </ul>
          )}
          <h2>Trusted by</h2>
          {c.trustedBy.length === 0 ? (
            <p class="muted">No trust context holds it as an anchor.</p>
          ) : (
            <ul>
              {c.trustedBy.map((t) => (
                <li key={t.scope + t.context}>
                  <code>{t.context}</code> <span class="muted">({t.members} member{t.members === 1 ? "" : "s"})</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      <h2>Findings ({c.findings.length})</h2>
      {c.findings.length === 0 ? (
        <p class="muted">No open finding involves it.</p>
      ) : (
        <ol class="findings">
          {c.findings.map((f) => (
            <li key={f.id}>
              <FindingCard f={f} now={now} rule={rules.get(f.rule)} />
            </li>
          ))}
        </ol>
      )}

      <h2>History</h2>
      <ChangeList changes={c.changes} />
    </article>
  );
}
