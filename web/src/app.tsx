/**
 * The dashboard shell: finds out whether the API needs a token (and asks for one), polls
 * /api/v1/status for the store generation so every view reloads when a scan or an agent report changed
 * something, and routes each URL to its view.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { AuthRequired, get, request, storedToken, storeToken } from "./api.js";
import { utc } from "./format.js";
import { Login } from "./login.js";
import { match, useLocation, type Location } from "./router.js";
import { handleError, setAuthRequiredHandler } from "./use-api.js";
import { CertificateView } from "./views/certificate.js";
import { CertificatesView } from "./views/certificates.js";
import { FindingsView } from "./views/findings.js";
import { NamespacesView, NamespaceView, NodesView, NodeView } from "./views/nodes.js";
import { NotFoundView } from "./views/not-found.js";
import { TimelineView } from "./views/timeline.js";
import { TrustGraphView } from "./views/trust-graph.js";

export interface Status {
  generation: number;
  lastScanAt: string | null;
  now?: string;
  leader: boolean;
  store: { backend: string; ok: boolean; error?: { code: string; message: string } };
  sources: Array<{ name: string; kind: string; ready: boolean; lastRunAt: string | null; lastError?: { code: string; message: string } }>;
}

export interface RuleInfo {
  id: string;
  severity: string;
  title: string;
  explain: string;
}

/** What every view gets. */
export interface ViewProps {
  loc: Location;
  params: Record<string, string>;
  /** The server's clock (ms): time left is measured against it (pinned for the demo). */
  now: number;
  generation: number;
  rules: Map<string, RuleInfo>;
}

type View = (p: ViewProps) => ComponentChildren;

const VIEWS: Array<{ pattern: string; view: View }> = [
  { pattern: "/", view: FindingsView },
  { pattern: "/findings", view: FindingsView },
  { pattern: "/certificates", view: CertificatesView },
  { pattern: "/certificates/:fingerprint", view: CertificateView },
  { pattern: "/trust-graph", view: TrustGraphView },
  { pattern: "/timeline", view: TimelineView },
  { pattern: "/nodes", view: NodesView },
  { pattern: "/nodes/:name", view: NodeView },
  { pattern: "/namespaces", view: NamespacesView },
  { pattern: "/namespaces/:name", view: NamespaceView },
];

const NAV = [
  { href: "/findings", label: "Findings" },
  { href: "/certificates", label: "Certificates" },
  { href: "/trust-graph", label: "Trust graph" },
  { href: "/timeline", label: "Timeline" },
  { href: "/nodes", label: "Nodes" },
  { href: "/namespaces", label: "Namespaces" },
];

const POLL_MS = 5000;

type Auth = "checking" | "login" | "expired" | "in";

export function App() {
  const loc = useLocation();
  const [auth, setAuth] = useState<Auth>("checking");
  const [authRequired, setAuthRequired] = useState(false);
  const [status, setStatus] = useState<Status>();
  const [rules, setRules] = useState<Map<string, RuleInfo>>(new Map());
  const [notice, setNotice] = useState<string>();

  const enter = useCallback(async () => {
    try {
      const r = await request<{ items: RuleInfo[] }>("rules");
      setRules(new Map(r.items.map((x) => [x.id, x])));
      setAuthRequired(storedToken() !== undefined);
      setAuth("in");
    } catch (err) {
      if (err instanceof AuthRequired) setAuth(storedToken() === undefined ? "login" : "expired");
      else setNotice(describe(err));
    }
  }, []);

  useEffect(() => {
    setAuthRequiredHandler(() => {
      storeToken(undefined);
      setAuth("expired");
    });
    void enter();
  }, [enter]);

  useEffect(() => {
    if (auth !== "in") return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const s = await get<Status>("status");
        if (!stopped) setNotice(undefined);
        if (!stopped) setStatus((prev) => (prev && prev.generation === s.generation && prev.lastScanAt === s.lastScanAt && prev.store.ok === s.store.ok ? prev : s));
      } catch (err) {
        if (!stopped) setNotice(describe(err));
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [auth]);

  if (auth === "checking") return <main id="main" class="loading" aria-busy="true">Connecting to the certdoctor server…</main>;
  if (auth !== "in") return <Login expired={auth === "expired"} onIn={() => void enter()} />;

  let content: ComponentChildren = <NotFoundView />;
  for (const v of VIEWS) {
    const params = match(v.pattern, loc.path);
    if (params) {
      const now = status?.now ? Date.parse(status.now) : Date.now();
      // without a status (the server failed to give one) the views still load, against the browser's clock
      const View = v.view;
      content = status || notice ? <View key={v.pattern} loc={loc} params={params} now={now} generation={status?.generation ?? 0} rules={rules} /> : <p aria-busy="true">Loading…</p>;
      break;
    }
  }
  const signOut = (): void => {
    storeToken(undefined);
    setAuth("login");
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/findings">
          certdoctor
        </a>
        <nav aria-label="Views">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={loc.path === n.href || loc.path.startsWith(n.href + "/") || (loc.path === "/" && n.href === "/findings") ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <StatusBar status={status} />
        {authRequired && (
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {notice && (
        <p class="banner error" role="alert">
          {notice}
        </p>
      )}
      {status && !status.store.ok && (
        <p class="banner error" role="alert">
          The store is failing ({status.store.error?.code}): {status.store.error?.message}. What you see may be stale.
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}

function describe(err: unknown): string | undefined {
  const e = handleError(err);
  return e && `The server's status is unavailable: ${e.message} (${e.code})`;
}

function StatusBar({ status }: { status: Status | undefined }) {
  const [rescan, setRescan] = useState<string>();
  if (!status) return null;
  const ask = async (): Promise<void> => {
    try {
      await request("scans", { method: "POST" });
      setRescan("Rescan requested");
      setTimeout(() => setRescan(undefined), 4000);
    } catch (err) {
      setRescan(handleError(err)?.message);
    }
  };
  return (
    <div class="status" aria-live="polite">
      <span>Last scan: {status.lastScanAt ? utc(status.lastScanAt) : "none yet"}</span>
      {status.leader && (
        <button type="button" onClick={() => void ask()}>
          Rescan now
        </button>
      )}
      {rescan && <span class="muted">{rescan}</span>}
    </div>
  );
}
