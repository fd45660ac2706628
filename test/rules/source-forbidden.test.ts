import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { scan } from "../../src/engine/scan.js";
import { kubeSource } from "../../src/sources/kubernetes/index.js";
import { startKubeApi, type KubeApiServer } from "../kube-api/server.js";
import { secret, writeKubeconfig } from "../kube-api/seed.js";
import { fixtureNow } from "../support/fixtures.js";
import { findingsOf } from "../support/scan.js";

describe("source-forbidden", () => {
  const open: Array<{ server: KubeApiServer; cleanup: () => void }> = [];
  after(async () => {
    for (const o of open) {
      await o.server.close();
      o.cleanup();
    }
  });

  const rows: Array<{ name: string; forbid: Array<{ resource?: string; namespace?: string }>; namespaces?: string[]; want: string[] }> = [
    { name: "everything readable", forbid: [], want: [] },
    { name: "Secrets forbidden cluster-wide", forbid: [{ resource: "secrets" }], want: ["list||secrets|"] },
    { name: "one namespace's Secrets forbidden in --namespace mode", forbid: [{ resource: "secrets", namespace: "team-b" }], namespaces: ["team-a", "team-b"], want: ["list||secrets|team-b"] },
    { name: "webhooks forbidden", forbid: [{ resource: "validatingwebhookconfigurations" }], want: ["list|admissionregistration.k8s.io|validatingwebhookconfigurations|"] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const server = await startKubeApi();
      const kc = writeKubeconfig(server);
      open.push({ server, cleanup: kc.cleanup });
      server.store.put(secret("team-a", "s", { x: "y" }));
      server.forbid.push(...row.forbid);
      const result = await scan({ paths: [], sources: [kubeSource({ kubeconfig: kc.path, ...(row.namespaces ? { namespaces: row.namespaces } : {}) })], now: fixtureNow, warnDays: 30, critDays: 7, workers: 0 });
      const found = findingsOf(result, "source-forbidden");
      // the missing RBAC rule, as the request the API server refused: verb|apiGroup|resource|namespace
      const asked = server.requests.filter((r) => r.status === 403).map((r) => `${r.verb}|${r.group}|${r.resource}|${r.namespace ?? ""}`);
      assert.deepEqual(asked, row.want);
      assert.deepEqual(found.map((f) => f.locations[0]), result.issues.filter((i) => i.code === "ERR_SOURCE_FORBIDDEN").map((i) => i.ref));
      assert.equal(found.length, row.want.length);
      for (const [i, f] of found.entries()) {
        const [, group, resource] = row.want[i]!.split("|");
        assert.equal(f.severity, "warning");
        // the exact rule to add, as RBAC YAML fields
        assert.ok(f.remediation.includes(`apiGroups: ["${group}"], resources: ["${resource}"]`), f.remediation);
      }
    });
  }
});
