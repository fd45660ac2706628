/** The heal part of an agent report: what is accepted becomes the store's event; what breaks the contract (or carries PEM) refuses the report, naming the field. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHealEvents } from "./agent-report-heal.js";

const FP = "a".repeat(64);
const event = (over: Record<string, unknown> = {}) => ({
  eventId: "heal-20261201T000000Z-8c8db4",
  id: "heal-20261201T000000Z-8c8db4",
  repair: "kubeedge-ca-resync",
  target: "/etc/kubeedge/ca/rootCA.crt",
  targetRef: "file:/etc/kubeedge/ca/rootCA.crt",
  outcome: "healed",
  found: { rule: "chain-untrusted", ref: "file:/etc/kubeedge/ca/rootCA.crt#0", detail: "rootCA.crt does not verify CloudCore" },
  checks: [{ name: "PinMatches", ok: true, detail: "pinned" }],
  changes: [{ path: "/etc/kubeedge/ca/rootCA.crt", action: "replaced", oldFingerprint: FP, newFingerprint: "b".repeat(64), backup: "/etc/kubeedge/ca/rootCA.crt.20261201T000000Z" }],
  verification: { ok: true, cleared: ["chain-untrusted"], remaining: [], detail: "cleared" },
  restart: "restart edgecore",
  message: "re-synced",
  ...over,
});

describe("parseHealEvents", () => {
  it("turns the agent's event into the store's: refs for paths, the dry-run flag from the report", () => {
    const [e] = parseHealEvents({ dryRun: true, events: [event()] });
    assert.equal(e!.targetRef, "file:/etc/kubeedge/ca/rootCA.crt");
    assert.equal(e!.actionId, "heal-20261201T000000Z-8c8db4");
    assert.equal(e!.dryRun, true);
    assert.deepEqual(e!.changes, [{ ref: "file:/etc/kubeedge/ca/rootCA.crt", action: "replaced", oldFingerprint: FP, newFingerprint: "b".repeat(64), backup: "/etc/kubeedge/ca/rootCA.crt.20261201T000000Z", linkTo: null, movedTo: null }]);
    assert.deepEqual(e!.verification, { ok: true, cleared: ["chain-untrusted"], remaining: [], detail: "cleared" });
    assert.equal(e!.reason, null);
    assert.deepEqual(parseHealEvents(undefined), []);
  });

  const refusals: Array<{ name: string; heal: unknown; field: RegExp }> = [
    { name: "PEM in a check's detail", heal: { events: [event({ checks: [{ name: "PinMatches", ok: false, detail: "-----BEGIN CERTIFICATE-----\nMIIB" }] })] }, field: /events\[0\]\.checks\[0\]\.detail: holds PEM/ },
    { name: "PEM in the message", heal: { events: [event({ message: "-----BEGIN EC PRIVATE KEY-----" })] }, field: /events\[0\]\.message: holds PEM/ },
    { name: "a relative target", heal: { events: [event({ target: "etc/x.crt" })] }, field: /events\[0\]\.target/ },
    { name: "an unknown outcome", heal: { events: [event({ outcome: "planted" })] }, field: /events\[0\]\.outcome/ },
    { name: "a fingerprint that is not SHA-256 hex", heal: { events: [event({ changes: [{ path: "/etc/x.crt", action: "replaced", oldFingerprint: "AB:CD" }] })] }, field: /changes\[0\]\.oldFingerprint/ },
    { name: "an event id with a slash", heal: { events: [event({ eventId: "../x" })] }, field: /events\[0\]\.eventId/ },
    { name: "no event id", heal: { events: [event({ eventId: undefined })] }, field: /events\[0\]\.eventId/ },
    { name: "a reason that is prose", heal: { events: [event({ reason: "the pin did not match" })] }, field: /events\[0\]\.reason/ },
    { name: "too many events", heal: { events: Array.from({ length: 257 }, () => event()) }, field: /agent\.heal\.events: more than 256/ },
    { name: "a message over the bound", heal: { events: [event({ message: "x".repeat(5000) })] }, field: /message: longer than 4096/ },
    { name: "events that are not a list", heal: { events: {} }, field: /agent\.heal\.events: must be an array/ },
  ];
  for (const row of refusals) {
    it(`refuses the report for ${row.name}`, () => {
      assert.throws(() => parseHealEvents(row.heal), (err: Error & { code?: string }) => err.code === "ERR_REPORT_INVALID" && row.field.test(err.message));
    });
  }
});
