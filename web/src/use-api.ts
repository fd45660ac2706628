/** Loads one API path for a view, reloading when the path or the store generation changes. */
import { useEffect, useState } from "preact/hooks";
import { ApiError, AuthRequired, get } from "./api.js";

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
}

let onAuthRequired: () => void = () => {};

/** The app registers what a 401 does (show the login form). */
export function setAuthRequiredHandler(handler: () => void): void {
  onAuthRequired = handler;
}

export function handleError(err: unknown): ApiError | undefined {
  if (err instanceof AuthRequired) {
    onAuthRequired();
    return undefined;
  }
  if ((err as Error)?.name === "AbortError") return undefined;
  return err instanceof ApiError ? err : new ApiError("ERR_CLIENT", (err as Error)?.message ?? String(err), 0);
}

export function useApi<T>(path: string | undefined, generation: number): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: path !== undefined });
  useEffect(() => {
    if (path === undefined) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    get<T>(path, ctl.signal).then(
      (data) => setState({ data, loading: false }),
      (err: unknown) => {
        const error = handleError(err);
        if (error !== undefined || !ctl.signal.aborted) setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [path, generation]);
  return state;
}
