/**
 * The token form. The token is checked against the API (GET /api/v1/rules) before it is kept; a wrong
 * one is refused with a message and never stored. The form has no action: it is handled here, and the
 * page's CSP (`form-action 'none'`) stops a submission from ever sending it anywhere else.
 */
import { useState } from "preact/hooks";
import { ApiError, AuthRequired, request, storeToken } from "./api.js";

export function Login({ onIn, expired }: { onIn: () => void; expired: boolean }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(expired ? "Your session ended or the token was rotated: sign in again." : undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = token.trim();
    if (t === "") {
      setError("Enter the API token (a line of the server's --token-file).");
      return;
    }
    setBusy(true);
    try {
      await request("rules", { token: t });
      storeToken(t);
      setToken("");
      onIn();
    } catch (err) {
      setError(err instanceof AuthRequired ? "That token was not accepted by the server." : err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form class="login-form" onSubmit={submit} aria-labelledby="login-title" autocomplete="off">
        <h1 id="login-title">certdoctor</h1>
        <p>This server needs an API token. It is kept in this tab only (sessionStorage) and sent in the Authorization header.</p>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" spellcheck={false} value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} aria-invalid={error !== undefined} aria-describedby={error ? "login-error" : undefined} autofocus />
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
