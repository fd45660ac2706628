/**
 * Small YAML documents that expand without bound through aliases: the shapes issue 7 found (billion laughs,
 * a long base64 scalar fanned out, List.items → webhook caBundle fan-out). Generated, never committed.
 */

/** Classic billion laughs: `levels` levels of `width` aliases each over one scalar. */
export function billionLaughs(levels = 9, width = 9, scalar = "lol"): string {
  const lines = [`l0: &l0 "${scalar}"`];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

/**
 * A List of Lists of webhook configurations whose webhooks all alias one hook holding `caBundle` (base64):
 * width^3 caBundles to decode from a document of a few KB. Block style, as `kubectl get -o yaml` writes.
 */
export function webhookFanOut(caBundle: string, width = 50): string {
  const aliases = (name: string, indent: string) => Array.from({ length: width - 1 }, () => `${indent}- *${name}`).join("\n");
  return [
    "apiVersion: v1",
    "kind: List",
    "items:",
    "- &list",
    "  kind: List",
    "  items:",
    "  - &config",
    "    apiVersion: admissionregistration.k8s.io/v1",
    "    kind: ValidatingWebhookConfiguration",
    "    metadata:",
    "      name: fan-out",
    "    webhooks:",
    "    - &hook",
    "      name: hook.example.com",
    "      clientConfig:",
    `        caBundle: ${caBundle}`,
    aliases("hook", "    "),
    aliases("config", "  "),
    aliases("list", ""),
    "",
  ].join("\n");
}

/** One long base64 scalar repeated through nested aliases: `levels` levels of `width`. */
export function longScalarFanOut(scalar: string, levels = 4, width = 10): string {
  const lines = [`kind: ConfigMap`, `metadata: {name: fan-out}`, `data:`, `  s0: &s0 ${scalar}`];
  for (let i = 1; i <= levels; i++) lines.push(`  s${i}: &s${i} [${Array.from({ length: width }, () => `*s${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}
