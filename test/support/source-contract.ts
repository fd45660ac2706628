import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RawItem } from "../../src/model/items.js";
import type { ScanIssue } from "../../src/model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext, type Source } from "../../src/model/scan.js";

/** What a source's test provides to the shared contract suite. */
export interface SourceContractFixture {
  /** Creates a fixture with at least two good certificates and returns its location (a directory, a fake API ...). */
  setupGood(): Promise<string> | string;
  /** Creates a fixture that also holds one unreadable item (broken PEM, bad base64, unreadable file). */
  setupWithUnreadable(): Promise<string> | string;
  /** Creates a fixture with enough items that cancellation after the first one is observable (> 20). */
  setupMany(): Promise<string> | string;
  cleanup?(): void;
}

function contextFor(signal?: AbortSignal): ReadContext {
  const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };
  if (signal !== undefined) ctx.signal = signal;
  return ctx;
}

async function collect(source: Source, ctx: ReadContext): Promise<Array<RawItem | ScanIssue>> {
  const out: Array<RawItem | ScanIssue> = [];
  for await (const item of source.discover(ctx)) out.push(item);
  return out;
}

function refsOf(items: Array<RawItem | ScanIssue>): string[] {
  return items.map((i) => (isScanIssue(i) ? `issue ${i.code} ${i.ref}` : `${i.type} ${i.ref} ${i.context} ${i.pair ?? ""} ${i.anchor === true}`));
}

/** The shared source contract: stable refs, issue-not-throw, cancellation (hono's common.case.test.ts). */
export function runSourceContract(name: string, make: (location: string) => Source, fixture: SourceContractFixture): void {
  describe(`source contract: ${name}`, () => {
    it("has a non-empty stable kind", () => {
      assert.match(make("/nonexistent-contract-probe").kind, /^[a-z][a-z-]*$/);
    });

    it("yields the same refs in the same order on two runs", async () => {
      const loc = await fixture.setupGood();
      const first = await collect(make(loc), contextFor());
      const second = await collect(make(loc), contextFor());
      assert.ok(first.filter((i) => !isScanIssue(i) && i.type === "cert").length >= 2, "fixture yields at least two certificates");
      assert.deepEqual(refsOf(second), refsOf(first));
      const certRefs = first.filter((i) => !isScanIssue(i)).map((i) => i.ref);
      assert.equal(new Set(certRefs).size, certRefs.length, "refs are unique");
    });

    it("turns an unreadable item into a ScanIssue without throwing or hiding neighbours", async () => {
      const loc = await fixture.setupWithUnreadable();
      const items = await collect(make(loc), contextFor());
      assert.ok(items.some(isScanIssue), "an issue is reported");
      assert.ok(items.filter((i) => !isScanIssue(i) && i.type === "cert").length >= 2, "good certificates are still found");
      for (const issue of items.filter(isScanIssue)) assert.match(issue.code, /^ERR_[A-Z0-9_]+$/);
    });

    it("stops discovery when ctx.signal is aborted", async () => {
      const loc = await fixture.setupMany();
      const total = (await collect(make(loc), contextFor())).length;
      const controller = new AbortController();
      let seen = 0;
      for await (const _item of make(loc).discover(contextFor(controller.signal))) {
        seen++;
        controller.abort();
      }
      assert.ok(total > 20, `fixture is large enough (${total})`);
      assert.ok(seen < total / 2, `stopped early (${seen} of ${total})`);
    });
  });
}
