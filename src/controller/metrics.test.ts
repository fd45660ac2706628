import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApproverMetrics } from "./metrics.js";

function samples(text: string): Map<string, number> {
  return new Map(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
}

describe("approver metrics", () => {
  it("pre-creates every reason at 0 and counts decisions by outcome and reason; retries are not decisions", () => {
    const m = new ApproverMetrics();
    let s = samples(m.render().toString("utf8"));
    assert.equal(s.get('certdoctor_approver_decisions_total{decision="pending",reason="SANMismatch"}'), 0);
    assert.equal(s.get('certdoctor_approver_decisions_total{decision="denied",reason="UsageMismatch"}'), 0);
    m.record("approved", "CertdoctorApproved");
    m.record("pending", "SANMismatch");
    m.record("pending", "SANMismatch");
    m.record("retry", "NodeNotFound");
    m.leader = 1;
    s = samples(m.render().toString("utf8"));
    assert.equal(s.get('certdoctor_approver_decisions_total{decision="approved",reason="CertdoctorApproved"}'), 1);
    assert.equal(s.get('certdoctor_approver_decisions_total{decision="pending",reason="SANMismatch"}'), 2);
    assert.equal([...s.keys()].some((k) => k.includes("NodeNotFound") && k.includes("retry")), false);
    assert.equal(s.get("certdoctor_approver_leader"), 1);
  });
});
