/**
 * The heal part of an agent report (`agent.heal`, docs/heal.md "Events") checked field by field into the
 * store's ObservedHealEvent. Bounded like the rest of the report; a field that breaks the contract refuses
 * the whole report (ERR_REPORT_INVALID naming it), and so does PEM anywhere in an event: events name
 * certificates by fingerprint only.
 */
import { CertdoctorError, ErrorCode } from "../errors.js";
import { fileRef, formatRef, parseRef } from "../model/ref.js";
import { healOutcomes, type HealChangeRecord, type HealCheckRecord, type HealOutcome, type HealVerificationRecord, type ObservedHealEvent } from "../store/heal-events.js";

const MAX_EVENTS = 256;
const MAX_CHECKS = 32;
const MAX_CHANGES = 16;
const MAX_RULES = 64;
const MAX_TEXT = 4096;
const MAX_PATH = 4096;
const HEX64 = /^[0-9a-f]{64}$/;
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const WORD = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const CHANGE_ACTIONS: readonly HealChangeRecord["action"][] = ["replaced", "symlinked", "moved"];

type Obj = Record<string, unknown>;

function invalid(field: string, why: string): never {
  throw new CertdoctorError(ErrorCode.ERR_REPORT_INVALID, `report field ${field}: ${why}`);
}

function obj(v: unknown, field: string): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) invalid(field, "must be an object");
  return v as Obj;
}

function list(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(field, "must be an array");
  if (v.length > max) invalid(field, `more than ${max} entries`);
  return v;
}

function text(v: unknown, field: string, max = MAX_TEXT): string {
  if (typeof v !== "string") invalid(field, "must be a string");
  if (v.length > max) invalid(field, `longer than ${max} characters`);
  if (v.includes("-----BEGIN")) invalid(field, "holds PEM; heal events name certificates by fingerprint only");
  return v;
}

function optText(v: unknown, field: string, max = MAX_TEXT): string | null {
  return v === undefined || v === null ? null : text(v, field, max);
}

function word(v: unknown, field: string): string {
  const s = text(v, field, 64);
  if (!WORD.test(s)) invalid(field, "must be one word (letters, digits, '-')");
  return s;
}

function nodePath(v: unknown, field: string): string {
  const s = text(v, field, MAX_PATH);
  if (!s.startsWith("/") || s.includes("\0")) invalid(field, "must be an absolute node path");
  return s;
}

function fingerprint(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  const s = text(v, field, 64);
  if (!HEX64.test(s)) invalid(field, "must be a SHA-256 fingerprint (64 lowercase hex digits)");
  return s;
}

function ref(v: unknown, field: string): string {
  const s = text(v, field, MAX_PATH);
  if (s !== "" && parseRef(s) === undefined) invalid(field, "is not a location ref (kind:location#key)");
  return s;
}

/** The events of `agent.heal` (absent: none). */
export function parseHealEvents(heal: unknown): ObservedHealEvent[] {
  if (heal === undefined || heal === null) return [];
  const h = obj(heal, "agent.heal");
  const dryRun = h.dryRun === true;
  return list(h.events, "agent.heal.events", MAX_EVENTS).map((x, i) => parseEvent(obj(x, `agent.heal.events[${i}]`), `agent.heal.events[${i}]`, dryRun));
}

function parseEvent(o: Obj, f: string, dryRun: boolean): ObservedHealEvent {
  const eventId = text(o.eventId, `${f}.eventId`, 128);
  if (!EVENT_ID.test(eventId)) invalid(`${f}.eventId`, "must be letters, digits, '.', '_' or '-'");
  const actionId = optText(o.id, `${f}.id`, 128);
  if (actionId !== null && !EVENT_ID.test(actionId)) invalid(`${f}.id`, "must be an action id");
  const outcome = text(o.outcome, `${f}.outcome`, 32) as HealOutcome;
  if (!healOutcomes.includes(outcome)) invalid(`${f}.outcome`, `must be one of ${healOutcomes.join(", ")}`);
  const target = nodePath(o.target, `${f}.target`);
  const found = o.found === undefined ? {} : obj(o.found, `${f}.found`);
  return {
    eventId,
    actionId,
    repair: word(o.repair, `${f}.repair`),
    targetRef: formatRef(fileRef(target)),
    outcome,
    reason: o.reason === undefined || o.reason === null ? null : word(o.reason, `${f}.reason`),
    dryRun,
    found: { rule: found.rule === undefined || found.rule === "" ? "" : word(found.rule, `${f}.found.rule`), ref: found.ref === undefined ? "" : ref(found.ref, `${f}.found.ref`), detail: found.detail === undefined ? "" : text(found.detail, `${f}.found.detail`) },
    checks: list(o.checks, `${f}.checks`, MAX_CHECKS).map((c, j) => parseCheck(obj(c, `${f}.checks[${j}]`), `${f}.checks[${j}]`)),
    changes: list(o.changes, `${f}.changes`, MAX_CHANGES).map((c, j) => parseChange(obj(c, `${f}.changes[${j}]`), `${f}.changes[${j}]`)),
    verification: o.verification === undefined || o.verification === null ? null : parseVerification(obj(o.verification, `${f}.verification`), `${f}.verification`),
    restart: optText(o.restart, `${f}.restart`),
    message: text(o.message ?? "", `${f}.message`),
  };
}

function parseCheck(o: Obj, f: string): HealCheckRecord {
  if (typeof o.ok !== "boolean") invalid(`${f}.ok`, "must be true or false");
  return { name: word(o.name, `${f}.name`), ok: o.ok, detail: text(o.detail ?? "", `${f}.detail`) };
}

function parseChange(o: Obj, f: string): HealChangeRecord {
  const action = text(o.action, `${f}.action`, 16) as HealChangeRecord["action"];
  if (!CHANGE_ACTIONS.includes(action)) invalid(`${f}.action`, `must be one of ${CHANGE_ACTIONS.join(", ")}`);
  return {
    ref: formatRef(fileRef(nodePath(o.path, `${f}.path`))),
    action,
    oldFingerprint: fingerprint(o.oldFingerprint, `${f}.oldFingerprint`),
    newFingerprint: fingerprint(o.newFingerprint, `${f}.newFingerprint`),
    backup: o.backup === undefined || o.backup === null ? null : nodePath(o.backup, `${f}.backup`),
    linkTo: optText(o.linkTo, `${f}.linkTo`, MAX_PATH),
    movedTo: o.movedTo === undefined || o.movedTo === null ? null : nodePath(o.movedTo, `${f}.movedTo`),
  };
}

function parseVerification(o: Obj, f: string): HealVerificationRecord {
  if (typeof o.ok !== "boolean") invalid(`${f}.ok`, "must be true or false");
  return {
    ok: o.ok,
    cleared: list(o.cleared, `${f}.cleared`, MAX_RULES).map((r, j) => word(r, `${f}.cleared[${j}]`)),
    remaining: list(o.remaining, `${f}.remaining`, MAX_RULES).map((r, j) => word(r, `${f}.remaining[${j}]`)),
    detail: text(o.detail ?? "", `${f}.detail`),
  };
}
