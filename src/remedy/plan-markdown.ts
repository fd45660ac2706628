/** Renders a renewal plan as Markdown: one section per distribution, numbered steps, commands in code blocks. */
import type { Plan, PlanStep } from "./plan-types.js";

export function renderPlanMarkdown(plan: Plan): string {
  const out: string[] = ["# Renewal plan", ""];
  const findings = plan.plans.reduce((n, p) => n + p.findings.length, 0);
  if (plan.plans.length === 0 && plan.unplanned.length === 0) {
    out.push(`Evaluated at ${plan.evaluatedAt}: no findings, nothing to renew.`, "");
    return out.join("\n");
  }
  out.push(`Evaluated at ${plan.evaluatedAt}. ${plan.plans.length} plan${plan.plans.length === 1 ? "" : "s"} for ${findings} finding${findings === 1 ? "" : "s"}. Nothing has been run: run each step in order, on the nodes named.`, "");
  for (const p of plan.plans) {
    out.push(`## ${p.title}${p.scope === undefined ? "" : ` (cluster ${p.scope})`}`, "");
    out.push("Answers:", "");
    for (const f of p.findings) out.push(`- ${f.severity} \`${f.rule}\`: ${f.title}`);
    out.push("");
    p.steps.forEach((s, i) => out.push(...renderStep(s, i + 1)));
  }
  if (plan.unplanned.length > 0) {
    out.push("## Not planned (no known layout)", "");
    for (const f of plan.unplanned) out.push(`- ${f.severity} \`${f.rule}\`: ${f.title}. ${f.remediation}`);
    out.push("");
  }
  return out.join("\n");
}

function renderStep(s: PlanStep, n: number): string[] {
  const out = [`### ${n}. ${s.title}`, "", `*${s.phase}* on ${s.on.join(", ")}`, ""];
  if (s.commands.length > 0) out.push("```sh", ...s.commands, "```", "");
  if (s.restarts && s.restarts.length > 0) out.push(`Restarts: ${s.restarts.join(", ")}.`, "");
  if (s.meanwhile) out.push(`Meanwhile: ${s.meanwhile}`, "");
  for (const note of s.notes ?? []) out.push(`- ${note}`);
  if ((s.notes ?? []).length > 0) out.push("");
  return out;
}
