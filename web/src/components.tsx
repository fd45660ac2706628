/** Small pieces shared by the views: severity badge, copy button, plain Markdown, load states. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { ApiError } from "./api.js";

const SEVERITY: Record<string, { symbol: string; label: string }> = {
  critical: { symbol: "✖", label: "Critical" },
  warning: { symbol: "▲", label: "Warning" },
  info: { symbol: "●", label: "Info" },
};

/** Severity as a symbol and a word as well as a colour (readable without colour). */
export function SeverityBadge({ severity }: { severity: string }) {
  const s = SEVERITY[severity] ?? { symbol: "?", label: severity };
  return (
    <span class={`sev sev-${severity}`}>
      <span aria-hidden="true">{s.symbol}</span> {s.label}
    </span>
  );
}

/** Copies `text` to the clipboard; falls back to selecting a hidden textarea where the API is refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "offscreen";
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState<string>();
  return (
    <button
      type="button"
      class="copy"
      onClick={async () => {
        setDone((await copyText(text)) ? "Copied" : "Copy failed: select the text");
        setTimeout(() => setDone(undefined), 2000);
      }}
    >
      {done ?? label}
    </button>
  );
}

/** The rules' Markdown (paragraphs, "- " lists, `code`, **bold**) as elements: never as HTML. */
export function Markdown({ text }: { text: string }) {
  const blocks = text.trim().split(/\n\s*\n/);
  return (
    <div class="md">
      {blocks.map((b, i) => {
        const lines = b.split("\n");
        if (lines.every((l) => /^\s*[-*] /.test(l))) {
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.replace(/^\s*[-*] /, ""))}</li>
              ))}
            </ul>
          );
        }
        return <p key={i}>{inline(b.replace(/\n/g, " "))}</p>;
      })}
    </div>
  );
}

function inline(text: string): ComponentChildren[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part, i) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.startsWith("**") && part.endsWith("**") && part.length > 3) return <strong key={i}>{part.slice(2, -2)}</strong>;
    return part;
  });
}

export function Failed({ error }: { error: ApiError }) {
  return (
    <p class="banner error" role="alert">
      Could not load this view: {error.message} ({error.code})
    </p>
  );
}

export function Busy({ what }: { what: string }) {
  return <p aria-busy="true">Loading {what}…</p>;
}
