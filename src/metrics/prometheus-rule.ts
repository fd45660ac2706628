/**
 * The PrometheusRule manifest (prometheus-operator) made from the plain rules file
 * `deploy/prometheus/rules.yaml`, the one source of truth: `npm run deploy-rules` rewrites
 * `deploy/prometheus/prometheusrule.yaml`, and test/alert-rules.test.ts checks the two agree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dump, load } from "js-yaml";

export const RULES_FILE = join("deploy", "prometheus", "rules.yaml");
export const PROMETHEUS_RULE_FILE = join("deploy", "prometheus", "prometheusrule.yaml");

const HEADER = `# Generated from deploy/prometheus/rules.yaml by \`npm run deploy-rules\`: edit that file, not this one.
# kube-prometheus-stack selects rules by label (ruleSelector); add yours, e.g. \`release: kube-prometheus-stack\`.
`;

export function prometheusRuleOf(rulesYaml: string): string {
  const doc = load(rulesYaml) as { groups?: unknown };
  if (doc === null || typeof doc !== "object" || !Array.isArray(doc.groups)) throw new Error(`${RULES_FILE}: no groups`);
  const manifest = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "certdoctor",
      namespace: "certdoctor",
      labels: { "app.kubernetes.io/name": "certdoctor", "app.kubernetes.io/component": "alert-rules" },
    },
    spec: { groups: doc.groups },
  };
  return HEADER + dump(manifest, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = process.cwd();
  writeFileSync(join(root, PROMETHEUS_RULE_FILE), prometheusRuleOf(readFileSync(join(root, RULES_FILE), "utf8")));
  process.stdout.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
}
