/**
 * The dashboard's one way to the server's JSON API (same origin, /api/v1/). The bearer token lives in
 * sessionStorage (gone when the tab closes) and travels only in the Authorization header, never in a
 * URL. A 401 raises AuthRequired, which sends the app back to the login form.
 */
export type {
  ApiCertificate,
  ApiCertificateDetail,
  ApiChange,
  ApiFinding,
  ApiNamespace,
  ApiNode,
  CertRef,
  Facets,
  FindingPage,
  Page,
  RefParts,
  Summary,
  TrustGraph,
  TrustGraphCa,
} from "../../src/store/types.js";

const TOKEN_KEY = "certdoctor.token";

export class AuthRequired extends Error {}

/** An error answer from the API: `{"error": {code, message, status}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token then lives only as long as this page
  }
  memoryToken = token;
}

let memoryToken: string | undefined = storedToken();

/** Query parameters: undefined and "" are left out; arrays are comma-joined. */
export function query(params: Record<string, string | number | boolean | string[] | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

export async function request<T>(path: string, init: { method?: string; token?: string; signal?: AbortSignal } = {}): Promise<T> {
  const token = init.token ?? memoryToken;
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`/api/v1/${path}`, { method: init.method ?? "GET", headers, signal: init.signal ?? null, credentials: "omit", cache: "no-store" });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError("ERR_NETWORK", "the server did not answer (is certdoctor serve still running?)", 0);
  }
  if (res.status === 401) throw new AuthRequired("a token is required");
  const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (!res.ok) throw new ApiError(body?.error?.code ?? "ERR_HTTP", body?.error?.message ?? `HTTP ${res.status}`, res.status);
  return body as T;
}

export function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { signal });
}
