import { basename } from "node:path";
import type { Finding } from "../model/finding.js";
import { expiryWindows } from "./cert-expiring.js";
import { makeFinding, type Rule } from "./rule.js";
import { isoDate } from "./support/describe.js";

const CURRENT_FILE = /\/var\/lib\/kubelet\/pki\/kubelet-(client|server)-current\.pem$/;

export const kubeletRotationBlocked: Rule = {
  id: "kubelet-rotation-blocked",
  severity: "critical",
  title: "Kubelet certificate rotation cannot work",
  explain: `\`/var/lib/kubelet/pki/kubelet-client-current.pem\` (or \`kubelet-server-current.pem\`) is a regular file,
not a symlink. The kubelet rotates by writing \`kubelet-client-<timestamp>.pem\` and re-pointing the
symlink; with a regular file in the way rotation fails with "expected … to be a symlink", and the
client certificate silently runs out — the node then goes NotReady. This happens when the file was
copied or restored by hand (backups, \`cp\` without \`-P\`). Critical once the certificate is inside
its expiry warning window.

**Fix:** move the file to \`kubelet-client-<date>.pem\` in the same directory, create the symlink
(\`ln -s kubelet-client-<date>.pem kubelet-client-current.pem\`), and restart the kubelet. If the
certificate has already expired, delete both and re-join the node or bootstrap it again.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      for (const loc of cert.locations) {
        if (loc.symlink !== false || loc.path === undefined || !CURRENT_FILE.test(loc.path)) continue;
        const kind = loc.path.includes("kubelet-server-") ? "serving" : "client";
        const left = cert.record.notAfter - ctx.now;
        const dueSoon = left <= expiryWindows(cert, ctx).warnMs;
        out.push(
          makeFinding(this, {
            severity: dueSoon ? "critical" : "warning",
            title: `Kubelet ${kind} certificate cannot rotate${loc.node ? ` on ${basename(loc.node)}` : ""}`,
            detail: `${loc.path} is a regular file, not a symlink to kubelet-${kind}-<timestamp>.pem, so the kubelet cannot rotate its ${kind} certificate ("expected … to be a symlink"). The current certificate (${cert.record.subject}) expires on ${isoDate(cert.record.notAfter)}; after that the kubelet ${kind === "client" ? "can no longer talk to the API server and the node goes NotReady" : "serves an expired certificate and kubectl logs/exec fail"}.`,
            remediation: `On the node: cd /var/lib/kubelet/pki && mv kubelet-${kind}-current.pem kubelet-${kind}-$(date +%Y-%m-%d-%H-%M-%S).pem && ln -s kubelet-${kind}-<that file> kubelet-${kind}-current.pem && systemctl restart kubelet.`,
            certificates: [cert.record.fingerprint],
            locations: [loc.ref],
            ...(left > 0 ? { breaksAt: cert.record.notAfter } : {}),
          }),
        );
      }
    }
    return out;
  },
};
