/**
 * deploy/ validated offline: every object of every manifest file and of every rendered overlay
 * (test/support/kustomize.ts, a strict kustomize subset) against the Kubernetes schemas of
 * kubernetes-models 4.x, and the cross-references kubectl would only find out on a cluster: Service
 * selectors and ports, the ServiceMonitor's Service and port, Secrets/ConfigMaps/PVCs, ServiceAccounts
 * and roles, volume mounts, the agent's report URL, the hardening (non-root, read-only root filesystem, no
 * service-account token where none is needed, requests and limits), and per overlay what it promises.
 * Then the rendered ha overlay's RBAC is enforced by the test API server on a real `serve --leader-elect`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import yaml from "js-yaml";
import { Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount, ConfigMap } from "kubernetes-models/v1";
import { DaemonSet, Deployment } from "kubernetes-models/apps/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { RbacPolicy } from "./kube-api/rbac.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { tlsSecret, writeKubeconfig } from "./kube-api/seed.js";
import { findRepoRoot, fixturePath } from "./support/fixtures.js";
import { identity, readDocs, render, type K8sObject } from "./support/kustomize.js";

const root = findRepoRoot();
const deploy = join(root, "deploy");

/** The Secrets the user creates (docs/deploy.md#secrets lists the same ones, checked below). */
const USER_SECRETS = ["certdoctor-tls", "certdoctor-api-tokens", "certdoctor-agent-token", "certdoctor-metrics-token", "certdoctor-postgres"];

type Validatable = { validate(): void };
const MODELS: Record<string, new (o: never) => Validatable> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};
/** Custom resources without a schema in kubernetes-models core: checked structurally by the cross-references. */
const CUSTOM = new Set(["monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule"]);

function validate(o: K8sObject, where: string): void {
  const key = `${o.apiVersion}/${o.kind}`;
  if (CUSTOM.has(key)) {
    assert.equal(typeof o.metadata?.name, "string", `${where}: ${key} has a name`);
    return;
  }
  const Model = MODELS[key];
  assert.ok(Model, `${where}: ${key} has no schema here (add its kubernetes-models class)`);
  assert.doesNotThrow(() => new Model(o as never).validate(), `${where}: ${identity(o)} is not valid`);
}

/** Full objects in deploy/ (kustomizations, patches, Prometheus rule files and promtool tests are not). */
function manifestFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) {
        if (e !== "tests" && e !== "grafana") walk(p);
      } else if (/\.ya?ml$/.test(e) && e !== "kustomization.yaml" && e !== "rules.yaml") out.push(p);
    }
  };
  walk(deploy);
  return out;
}

function isPatch(file: string): boolean {
  const dir = join(file, "..");
  try {
    const k = yaml.load(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as { patches?: Array<{ path: string }> };
    return (k.patches ?? []).some((p) => join(dir, p.path) === file);
  } catch {
    return false;
  }
}

type PodSpec = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Array<{
    name: string;
    args?: string[];
    ports?: Array<{ name?: string; containerPort: number }>;
    env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string }; configMapKeyRef?: { name: string } } }>;
    volumeMounts?: Array<{ name: string; mountPath: string }>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; runAsUser?: number; capabilities?: { drop?: string[] } };
  }>;
  volumes?: Array<{ name: string; secret?: { secretName: string }; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown; projected?: { sources: Array<{ secret?: { name: string }; configMap?: { name: string }; serviceAccountToken?: unknown }> } }>;
};
type Workload = K8sObject & { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; strategy?: { type?: string }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const workloads = (objs: K8sObject[]) => objs.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet") as Workload[];
const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const flag = (args: string[] | undefined, name: string) => args?.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const named = (objs: K8sObject[], kind: string, name: string, namespace?: string) => objs.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));

/** Every cross-reference of one rendered overlay; returns the problems (empty: consistent). */
function crossReferences(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const secretExists = (name: string) => USER_SECRETS.includes(name) || named(objs, "Secret", name) !== undefined;
  for (const svc of byKind(objs, "Service") as Array<K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort?: string | number }> } }>) {
    const pods = workloads(objs).filter((w) => w.metadata.namespace === svc.metadata.namespace && selects(svc.spec.selector, w.spec.template.metadata.labels));
    if (pods.length === 0) problems.push(`Service ${svc.metadata.name}: its selector matches no pod template`);
    for (const p of svc.spec.ports) {
      if (typeof p.targetPort === "string" && !pods.some((w) => w.spec.template.spec.containers.some((c) => c.ports?.some((cp) => cp.name === p.targetPort)))) problems.push(`Service ${svc.metadata.name}: targetPort ${p.targetPort} is no container port name`);
    }
  }
  for (const sm of byKind(objs, "ServiceMonitor") as Array<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchNames?: string[] }; endpoints: Array<{ port: string; authorization?: { credentials?: { name: string } }; tlsConfig?: { ca?: { secret?: { name: string } }; serverName?: string } }> } }>) {
    const namespaces = sm.spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace];
    const svcs = (byKind(objs, "Service") as Array<K8sObject & { spec: { ports: Array<{ name: string }> } }>).filter((s) => namespaces.includes(s.metadata.namespace) && selects(sm.spec.selector.matchLabels, s.metadata.labels));
    if (svcs.length === 0) problems.push(`ServiceMonitor ${sm.metadata.name}: selects no Service`);
    for (const e of sm.spec.endpoints) {
      if (!svcs.some((s) => s.spec.ports.some((p) => p.name === e.port))) problems.push(`ServiceMonitor ${sm.metadata.name}: no selected Service has a port named ${e.port}`);
      for (const s of [e.authorization?.credentials?.name, e.tlsConfig?.ca?.secret?.name]) if (s !== undefined && !secretExists(s)) problems.push(`ServiceMonitor ${sm.metadata.name}: Secret ${s} is neither defined nor documented`);
      if (e.tlsConfig?.serverName !== undefined && !svcs.some((s) => e.tlsConfig!.serverName === `${s.metadata.name}.${s.metadata.namespace}.svc`)) problems.push(`ServiceMonitor ${sm.metadata.name}: serverName ${e.tlsConfig.serverName} is not the Service's name`);
    }
  }
  for (const b of [...byKind(objs, "RoleBinding"), ...byKind(objs, "ClusterRoleBinding")] as Array<K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace?: string }> }>) {
    const role = named(objs, b.roleRef.kind, b.roleRef.name, b.roleRef.kind === "Role" ? b.metadata.namespace : undefined);
    if (role === undefined) problems.push(`${b.kind} ${b.metadata.name}: ${b.roleRef.kind} ${b.roleRef.name} is not defined`);
    for (const s of b.subjects) if (s.kind === "ServiceAccount" && named(objs, "ServiceAccount", s.name, s.namespace) === undefined) problems.push(`${b.kind} ${b.metadata.name}: ServiceAccount ${s.namespace}/${s.name} is not defined`);
  }
  const builtIn = new Set(["default", "kube-system", "kube-public"]); // every cluster has them (Events about cluster-scoped objects go to default)
  for (const o of objs) if (o.metadata.namespace !== undefined && !builtIn.has(o.metadata.namespace) && named(objs, "Namespace", o.metadata.namespace) === undefined) problems.push(`${identity(o)}: Namespace ${o.metadata.namespace} is not defined`);
  for (const w of workloads(objs)) {
    const where = `${w.kind} ${w.metadata.name}`;
    const pod = w.spec.template.spec;
    if (!selects(w.spec.selector.matchLabels, w.spec.template.metadata.labels)) problems.push(`${where}: selector does not match its own template`);
    if (pod.serviceAccountName !== undefined && named(objs, "ServiceAccount", pod.serviceAccountName, w.metadata.namespace) === undefined) problems.push(`${where}: ServiceAccount ${pod.serviceAccountName} is not defined`);
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    for (const v of pod.volumes ?? []) {
      if (v.secret && !secretExists(v.secret.secretName)) problems.push(`${where}: Secret ${v.secret.secretName} is neither defined nor documented`);
      if (v.configMap && named(objs, "ConfigMap", v.configMap.name, w.metadata.namespace) === undefined) problems.push(`${where}: ConfigMap ${v.configMap.name} is not defined`);
      if (v.persistentVolumeClaim && named(objs, "PersistentVolumeClaim", v.persistentVolumeClaim.claimName, w.metadata.namespace) === undefined) problems.push(`${where}: PVC ${v.persistentVolumeClaim.claimName} is not defined`);
      const sources = [v.secret, v.configMap, v.persistentVolumeClaim, v.emptyDir, v.projected, (v as { hostPath?: unknown }).hostPath].filter((x) => x !== undefined);
      if (sources.length !== 1) problems.push(`${where}: volume ${v.name} has ${sources.length} sources`);
    }
    for (const c of pod.containers) {
      const cw = `${where} container ${c.name}`;
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${cw}: mounts undefined volume ${m.name}`);
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef?.name;
        if (s !== undefined && !secretExists(s)) problems.push(`${cw}: env ${e.name} reads Secret ${s}, neither defined nor documented`);
      }
      // every file argument is under a mounted volume (the root filesystem is read-only)
      for (const a of c.args ?? []) {
        const m = /^--(?:tls-cert|tls-key|token-file|ca-file|client-ca|spool-dir|database)=(\/.*)$/.exec(a);
        if (m && !(c.volumeMounts ?? []).some((vm) => m[1] === vm.mountPath || m[1]!.startsWith(`${vm.mountPath}/`))) problems.push(`${cw}: ${a} is not under a mounted volume`);
      }
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${cw}: root filesystem not read-only`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${cw}: privilege escalation not disabled`);
      if (!sc.capabilities?.drop?.includes("ALL")) problems.push(`${cw}: capabilities not dropped`);
      const nonRoot = (sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true && (sc.runAsUser ?? pod.securityContext?.runAsUser ?? 1) !== 0;
      // the node agent alone runs as root: the certificate keys it reads are root-only (0600)
      if (!nonRoot && w.metadata.name !== "certdoctor-agent") problems.push(`${cw}: runs as root`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) problems.push(`${cw}: needs cpu/memory requests and a memory limit`);
    }
    const readsApi = pod.containers.some((c) => (c.args ?? []).includes("--in-cluster"));
    if (!readsApi && pod.automountServiceAccountToken !== false) problems.push(`${where}: does not use the Kubernetes API but mounts a service-account token`);
    if (readsApi && pod.automountServiceAccountToken === false) problems.push(`${where}: --in-cluster without a service-account token`);
  }
  for (const pdb of byKind(objs, "PodDisruptionBudget") as Array<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>) {
    if (!workloads(objs).some((w) => selects(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels))) problems.push(`PodDisruptionBudget ${pdb.metadata.name}: selects no pods`);
  }
  for (const np of byKind(objs, "NetworkPolicy") as Array<K8sObject & { spec: { podSelector: { matchLabels: Record<string, string> } } }>) {
    if (!workloads(objs).some((w) => selects(np.spec.podSelector.matchLabels, w.spec.template.metadata.labels))) problems.push(`NetworkPolicy ${np.metadata.name}: selects no pods`);
  }
  // the agents report to the server's Service, on its port, at the server's ingestion route
  const server = named(objs, "Service", "certdoctor", "certdoctor") as (K8sObject & { spec: { ports: Array<{ port: number }> } }) | undefined;
  for (const w of workloads(objs)) {
    for (const c of w.spec.template.spec.containers) {
      const url = flag(c.args, "report-url");
      if (url === undefined) continue;
      const u = new URL(url);
      if (server === undefined || u.hostname !== `${server.metadata.name}.${server.metadata.namespace}.svc` || !server.spec.ports.some((p) => String(p.port) === u.port)) problems.push(`${w.metadata.name}: --report-url ${url} is not the server's Service`);
      if (u.pathname !== "/api/v1/agent-reports") problems.push(`${w.metadata.name}: --report-url path ${u.pathname} is not the ingestion route`);
    }
  }
  return problems;
}

const overlays = ["single", "ha"];
const rendered = (o: string) => render(join(deploy, "overlays", o));
const serverOf = (objs: K8sObject[]) => named(objs, "Deployment", "certdoctor", "certdoctor") as Workload;
const serverArgs = (objs: K8sObject[]) => serverOf(objs).spec.template.spec.containers.find((c) => c.name === "server")!.args ?? [];

describe("deploy/: Kubernetes manifests, validated offline", () => {
  it("every object in every manifest file validates against the Kubernetes schemas", () => {
    const files = manifestFiles().filter((f) => !isPatch(f));
    assert.ok(files.length >= 8, `found ${files.length} files`);
    for (const f of files) for (const o of readDocs(f)) validate(o, relative(root, f));
  });

  for (const o of ["base", ...overlays.map((x) => `overlays/${x}`), "overlays/approver"]) {
    it(`${o}: renders (every resource and patch path exists, patches find their targets), validates, and its cross-references hold`, () => {
      const objs = render(join(deploy, o));
      for (const x of objs) validate(x, o);
      assert.deepEqual(crossReferences(objs), []);
    });
  }

  it("the cross-reference check can fail: a renamed port, a missing Secret, a writable root and a wrong report URL are each found", () => {
    const objs = rendered("single");
    const broken = structuredClone(objs);
    const svc = named(broken, "Service", "certdoctor") as K8sObject & { spec: { ports: Array<{ name: string }> } };
    svc.spec.ports[0]!.name = "http";
    const agent = named(broken, "DaemonSet", "certdoctor-agent") as Workload;
    agent.spec.template.spec.volumes!.find((v) => v.name === "token")!.secret!.secretName = "typo-token";
    agent.spec.template.spec.containers[0]!.args = agent.spec.template.spec.containers[0]!.args!.map((a) => a.replace("/api/v1/agent-reports", "/v1/agent-reports"));
    serverOf(broken).spec.template.spec.containers[0]!.securityContext!.readOnlyRootFilesystem = false;
    const problems = crossReferences(broken).join("\n");
    assert.match(problems, /no selected Service has a port named https/);
    assert.match(problems, /Secret typo-token is neither defined nor documented/);
    assert.match(problems, /path \/v1\/agent-reports is not the ingestion route/);
    assert.match(problems, /root filesystem not read-only/);
  });

  it("base's ClusterRole is deploy/rbac.yaml's, rule for rule (the file test/kube-rbac.test.ts enforces)", () => {
    const rules = (file: string) => (readDocs(join(deploy, file)).find((o) => o.kind === "ClusterRole") as K8sObject & { rules: unknown }).rules;
    assert.deepEqual(rules("base/rbac.yaml"), rules("rbac.yaml"));
  });

  it("single: one replica, Recreate, SQLite on the PersistentVolumeClaim, no Lease rights", () => {
    const objs = rendered("single");
    const d = serverOf(objs);
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy?.type, "Recreate");
    const db = flag(serverArgs(objs), "database")!;
    const mount = d.spec.template.spec.containers[0]!.volumeMounts!.find((m) => db.startsWith(`${m.mountPath}/`))!;
    const volume = d.spec.template.spec.volumes!.find((v) => v.name === mount.name)!;
    assert.equal(volume.persistentVolumeClaim?.claimName, "certdoctor-data");
    assert.equal(volume.emptyDir, undefined);
    assert.ok(!serverArgs(objs).includes("--leader-elect"));
    assert.equal(byKind(objs, "Role").length, 0);
  });

  it("ha: two replicas on PostgreSQL (password from a Secret, not the URL), leader election with exactly the Lease rights it uses, a PDB", () => {
    const objs = rendered("ha");
    const d = serverOf(objs);
    assert.equal(d.spec.replicas, 2);
    const args = serverArgs(objs);
    assert.ok(args.includes("--leader-elect"));
    const db = new URL(flag(args, "database")!);
    assert.equal(db.protocol, "postgres:");
    assert.equal(db.password, "");
    const env = d.spec.template.spec.containers[0]!.env ?? [];
    assert.equal(env.find((e) => e.name === "PGPASSWORD")?.valueFrom?.secretKeyRef?.name, "certdoctor-postgres");
    assert.ok(env.some((e) => e.name === "POD_NAMESPACE"), "the Lease namespace follows the pod's");
    const role = named(objs, "Role", "certdoctor-leader-election", "certdoctor") as K8sObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }> };
    assert.deepEqual(role.rules.flatMap((r) => r.verbs).sort(), ["create", "get", "update"]);
    for (const r of role.rules) assert.deepEqual([r.apiGroups, r.resources], [["coordination.k8s.io"], ["leases"]]);
    assert.deepEqual(role.rules.find((r) => r.resourceNames)?.resourceNames, [flag(args, "leader-elect-name")]);
    assert.equal(byKind(objs, "ClusterRole").length, 1, "no cluster-wide rights beyond the read-only scan");
    assert.equal(byKind(objs, "PodDisruptionBudget").length, 1);
  });

  it("the approve permission is in the approver overlay only, narrowed to the kubelet-serving signer", () => {
    const approves = (objs: K8sObject[]) =>
      (byKind(objs, "ClusterRole") as Array<K8sObject & { rules: Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }> }>).flatMap((r) => r.rules.filter((rule) => rule.verbs.includes("approve") || rule.verbs.includes("*")).map((rule) => ({ role: r.metadata.name, ...rule })));
    for (const o of ["base", ...overlays.map((x) => `overlays/${x}`)]) assert.deepEqual(approves(render(join(deploy, o))), [], o);
    const granted = approves(render(join(deploy, "overlays", "approver")));
    assert.deepEqual(granted.map((g) => [g.role, g.resources, g.resourceNames]), [["certdoctor-approver", ["signers"], ["kubernetes.io/kubelet-serving"]]]);
  });

  it("docs/deploy.md lists exactly the Secrets the manifests expect the user to create", () => {
    const doc = readFileSync(join(root, "docs", "deploy.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Secrets"));
    const listed = [...new Set([...section.slice(0, section.indexOf("\n## ", 3) === -1 ? undefined : section.indexOf("\n## ", 3)).matchAll(/`(certdoctor-[a-z-]+)`/g)].map((m) => m[1]!))].filter((n) => !n.includes("svc"));
    assert.deepEqual(listed.sort(), [...USER_SECRETS].sort());
  });
});

describe("deploy/overlays/ha RBAC, enforced by the test API server on a real serve --leader-elect", () => {
  const servers: KubeApiServer[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const c of cleanups) c();
  });
  const rbacTexts = (objs: K8sObject[]) => objs.filter((o) => o.apiVersion.startsWith("rbac.authorization.k8s.io/")).map((o) => yaml.dump(o));

  for (const row of [
    { name: "the overlay's RBAC: it leads, scans, and nothing is refused", drop: false },
    { name: "without the Lease Role: the Lease is refused (403) and it never leads", drop: true },
  ]) {
    it(row.name, async () => {
      const objs = rendered("ha").filter((o) => !(row.drop && (o.kind === "Role" || o.kind === "RoleBinding")));
      const server = await startKubeApi({ policy: RbacPolicy.fromYaml(rbacTexts(objs)), bookmarkIntervalMs: 100 });
      servers.push(server);
      const f = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");
      server.store.put(tlsSecret("apps", "web", f("chain-ok", "leaf.crt"), f("chain-ok", "leaf.key"), f("chain-ok", "root-ca.crt")));
      const kc = writeKubeconfig(server);
      cleanups.push(kc.cleanup);
      const args = serverArgs(objs);
      const stop = new AbortController();
      const { mkdtempSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const dir = mkdtempSync(join(tmpdir(), "certdoctor-deploy-rbac-"));
      const { runServe } = await import("../src/cli/commands/serve.js");
      let err = "";
      const io = { stdout: () => undefined, stderr: (t: string) => void (err += t), isTTY: false, columns: 80, color: false, cwd: dir };
      const flags = { path: [], kubeconfig: kc.path, database: join(dir, "s.db"), listen: "127.0.0.1:0", interval: "1h", retention: "90d", auth: false, agentSilentAfter: "3h", warnDays: "30", critDays: "7", leaderElect: true, leaderElectName: flag(args, "leader-elect-name")!, leaderElectNamespace: "certdoctor", leaderElectLeaseDuration: "2s", leaderElectRenewDeadline: "1s", leaderElectRetryPeriod: "200ms" };
      const running = runServe(flags as never, io, stop.signal);
      const until = Date.now() + 15_000;
      const wanted = row.drop ? () => server.requests.some((r) => r.status === 403) : () => err.includes('"scan recorded"');
      while (!wanted() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      if (row.drop) await new Promise((r) => setTimeout(r, 1000));
      stop.abort();
      assert.equal(await running, 0);
      const refused = server.requests.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.path}`);
      if (row.drop) {
        assert.ok(refused.length > 0 && refused.every((r) => r.includes("/leases")), refused.join(", "));
        assert.ok(!err.includes('"scan recorded"'), "never scanned without the Lease");
      } else {
        assert.deepEqual(refused, []);
        assert.ok(err.includes('"scan recorded"'));
        const verbs = new Set(server.resourceRequests().filter((r) => r.resource === "leases").map((r) => r.verb));
        assert.ok(verbs.has("create") && verbs.has("get"), [...verbs].join(","));
      }
    });
  }
});
