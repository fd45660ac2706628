import { ErrorCode } from "../errors.js";
import type { Finding } from "../model/finding.js";
import { parseKubeApiRef } from "../model/kube-api-ref.js";
import { makeFinding, type Rule } from "./rule.js";

/**
 * A part of the cluster could not be read (after bounded retries) although the API answered at the start:
 * a gap in the report, or, in `watch`, a cluster that was lost and whose view is going stale.
 */
export const sourceUnavailable: Rule = {
  id: "source-unavailable",
  severity: "warning",
  title: "Kubernetes API did not answer: part of the cluster was not read",
  explain: `certdoctor reached the API server at the start, but listing or watching one resource type failed
after bounded retries (connection refused or reset, timeouts, HTTP 5xx). What was read before is kept, but
changes since then — and the problems they bring — are missing: in \`certdoctor watch\` this is a lost
cluster, and the finding clears as soon as the API answers again. A cluster that cannot be reached at all is
not a finding: the command ends with exit code 2 naming the server.

**Fix:** check that the API server (the address in the finding) is up and reachable from where certdoctor
runs (\`kubectl get --raw /readyz\`), and look at its load balancer and network path; then run the scan again.`,
  check(inv) {
    const out: Finding[] = [];
    for (const issue of inv.issues) {
      if (issue.code !== ErrorCode.ERR_SOURCE_UNAVAILABLE) continue;
      const req = parseKubeApiRef(issue.ref);
      if (!req) continue;
      const scope = req.namespace !== undefined ? `namespace ${req.namespace}` : "cluster scope";
      out.push(
        makeFinding(this, {
          title: `Could not ${req.verb} ${req.resource} at ${scope}: not read`,
          detail: `${issue.message[0]!.toUpperCase()}${issue.message.slice(1)}. Certificates in those objects may have changed without this report knowing.`,
          remediation: "Check that the API server is up and reachable from certdoctor (kubectl get --raw /readyz; the load balancer in front of it), then scan again. In watch, the finding clears by itself once the API answers.",
          certificates: [],
          locations: [issue.ref],
        }),
      );
    }
    return out;
  },
};
