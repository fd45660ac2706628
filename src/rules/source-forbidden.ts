import { ErrorCode } from "../errors.js";
import type { Finding } from "../model/finding.js";
import { parseKubeApiRef } from "../model/kube-api-ref.js";
import { makeFinding, type Rule } from "./rule.js";

export const sourceForbidden: Rule = {
  id: "source-forbidden",
  severity: "warning",
  title: "Kubernetes API denied a read: part of the cluster was not scanned",
  explain: `The API server answered 403 Forbidden when certdoctor listed one resource type (in one namespace, or
cluster-wide). Everything else was still read, but certificates kept in those objects — and the problems they
have — are missing from this report. The finding names the exact RBAC rule that is missing: verb, API group,
resource and namespace.

**Fix:** apply \`deploy/rbac.yaml\` (cluster-wide, read-only: get/list/watch on exactly what certdoctor reads), or
for \`--namespace\` mode \`deploy/rbac-namespaced.yaml\` in each namespace; or add the single rule the finding
shows to the Role/ClusterRole bound to certdoctor's service account. Check with
\`kubectl auth can-i list secrets -n NS --as system:serviceaccount:certdoctor:certdoctor\`.`,
  check(inv) {
    const out: Finding[] = [];
    for (const issue of inv.issues) {
      if (issue.code !== ErrorCode.ERR_SOURCE_FORBIDDEN) continue;
      const req = parseKubeApiRef(issue.ref);
      if (!req) continue;
      const group = req.group === "" ? "core" : req.group;
      const scope = req.namespace !== undefined ? `namespace ${req.namespace}` : "cluster scope";
      const rule = `apiGroups: ["${req.group}"], resources: ["${req.resource}"], verbs: ["get", "list", "watch"]`;
      const holder = req.namespace !== undefined ? `a Role in namespace ${req.namespace} (with a RoleBinding there)` : "a ClusterRole (with a ClusterRoleBinding)";
      out.push(
        makeFinding(this, {
          title: `Not allowed to ${req.verb} ${req.resource} (${group}) at ${scope}: not scanned`,
          detail: `The API server answered 403 Forbidden to ${req.verb} ${req.resource} in API group "${req.group}" at ${scope}. Certificates in those objects were not read, so this report may miss problems there. Missing RBAC rule: verb "${req.verb}", apiGroup "${req.group}", resource "${req.resource}"${req.namespace !== undefined ? `, namespace "${req.namespace}"` : ", cluster-wide"}.`,
          remediation: `Grant { ${rule} } in ${holder} bound to certdoctor's identity — deploy/rbac.yaml${req.namespace !== undefined ? " or deploy/rbac-namespaced.yaml" : ""} has it. Check: kubectl auth can-i ${req.verb} ${req.resource}${req.group ? `.${req.group}` : ""}${req.namespace !== undefined ? ` -n ${req.namespace}` : " -A"} --as <certdoctor's user>.`,
          certificates: [],
          locations: [issue.ref],
        }),
      );
    }
    return out;
  },
};
