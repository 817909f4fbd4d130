// Scheduled starts and ends: what an operator may save, what "due" means, and the alarm's step.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEdgeTargeting } from "../../src/core/targeting/parse.ts";
import {
  isDue,
  nextScheduleAt,
  type ScheduledRecord,
  scheduledStep,
  scheduleProblems,
  utcInstant,
} from "../../src/core/targeting/schedule.ts";
import { targetingFields, targetingProblems } from "../../src/core/targeting/schema.ts";

const NOW = Date.parse("2026-03-01T09:00:00Z");
const MIN = 60_000;
const at = (ms: number) => new Date(ms).toISOString();
const schedule = (start: number | null, end: number | null) => ({
  scheduled_start_at: start === null ? null : at(start),
  scheduled_end_at: end === null ? null : at(end),
});
const record = (state: ScheduledRecord["lifecycle_state"], start: number | null, end: number | null): ScheduledRecord => ({
  id: 7,
  lifecycle_state: state,
  ...schedule(start, end),
});
const free = () => null;

describe("what an operator may save", () => {
  it("accepts a start and an end in the future, in order, on a draft", () => {
    expect(scheduleProblems(schedule(NOW + MIN, NOW + 60 * MIN), "draft", NOW)).toEqual([]);
    expect(scheduleProblems(schedule(null, null), "draft", NOW)).toEqual([]);
  });

  it("refuses an end before or at the start", () => {
    expect(scheduleProblems(schedule(NOW + 60 * MIN, NOW + MIN), "draft", NOW)).toEqual([
      { path: "scheduled_end_at", message: "scheduled_end_at must be after scheduled_start_at" },
    ]);
    expect(scheduleProblems(schedule(NOW + MIN, NOW + MIN), "draft", NOW)).toHaveLength(1);
  });

  it("refuses a new start or end that is not in the future, but not one the operator left alone", () => {
    expect(scheduleProblems(schedule(NOW - MIN, null), "draft", NOW)).toEqual([
      { path: "scheduled_start_at", message: "scheduled_start_at must be in the future" },
    ]);
    expect(scheduleProblems(schedule(NOW, null), "draft", NOW)).toHaveLength(1); // "now" is not the future
    expect(scheduleProblems(schedule(null, NOW - MIN), "live", NOW)).toEqual([
      { path: "scheduled_end_at", message: "scheduled_end_at must be in the future" },
    ]);
    const saved = schedule(NOW - MIN, NOW + 60 * MIN);
    expect(scheduleProblems(saved, "draft", NOW, saved)).toEqual([]);
    expect(scheduleProblems(schedule(NOW + 4000 * 86_400_000, null), "draft", NOW)[0]?.message).toMatch(/ten years/);
  });

  it("a start only on a draft or paused experiment, an end only on one that can still run", () => {
    expect(scheduleProblems(schedule(NOW + MIN, null), "live", NOW)[0]?.message).toBe(
      "a start can be scheduled only on a draft or paused experiment (this one is live)",
    );
    expect(scheduleProblems(schedule(NOW + MIN, null), "paused", NOW)).toEqual([]);
    expect(scheduleProblems(schedule(null, NOW + MIN), "done", NOW)[0]?.message).toMatch(/only on a draft or live or paused experiment/);
    // A start left over on a record that has started since is not the operator's doing: no complaint.
    const leftOver = schedule(NOW - MIN, null);
    expect(scheduleProblems(leftOver, "live", NOW, leftOver)).toEqual([]);
  });

  it("the zod fields take ISO times with an offset, and the record's check orders them", () => {
    const fields = z.object({ scheduled_start_at: targetingFields.scheduled_start_at, scheduled_end_at: targetingFields.scheduled_end_at });
    expect(fields.parse({ scheduled_start_at: "2026-03-01T10:00:00+01:00" })).toEqual({
      scheduled_start_at: "2026-03-01T10:00:00+01:00",
      scheduled_end_at: null,
    });
    expect(fields.safeParse({ scheduled_start_at: "tomorrow" }).error?.issues[0]?.message).toBe(
      "use an ISO 8601 time such as 2026-03-01T09:00:00Z",
    );
    // 10:00+01:00 is 09:00Z: an end at 09:00Z is not after it.
    expect(targetingProblems({ scheduled_start_at: "2026-03-01T10:00:00+01:00", scheduled_end_at: "2026-03-01T09:00:00Z" })).toHaveLength(
      1,
    );
    expect(targetingProblems({ scheduled_start_at: "2026-03-01T10:00:00+01:00", scheduled_end_at: "2026-03-01T09:00:01Z" })).toEqual([]);
  });
});

describe("publishing", () => {
  it("an operator's time with an offset is published in UTC, which the edge accepts", () => {
    const published = utcInstant("2026-03-01T10:00:00+01:00");
    expect(published).toBe("2026-03-01T09:00:00.000Z");
    expect(parseEdgeTargeting({ scheduled_end_at: published })).toMatchObject({ ok: true, value: { scheduled_end_at: published } });
    expect(parseEdgeTargeting({ scheduled_end_at: "2026-03-01T10:00:00+01:00" }).ok).toBe(false);
  });
});

describe("due", () => {
  it("is at or before now; never for no time", () => {
    expect(isDue(at(NOW), NOW)).toBe(true);
    expect(isDue(at(NOW - 1), NOW)).toBe(true);
    expect(isDue(at(NOW + 1), NOW)).toBe(false);
    expect(isDue(null, NOW)).toBe(false);
    expect(isDue("not a time", NOW)).toBe(false);
  });

  it("the alarm wakes at the earliest time something can happen", () => {
    expect(
      nextScheduleAt([
        record("draft", NOW + 10 * MIN, NOW + 60 * MIN),
        record("live", null, NOW + 5 * MIN),
        record("done", NOW + MIN, NOW + MIN), // done: nothing to start or end
        record("paused", NOW + 20 * MIN, null),
      ]),
    ).toBe(NOW + 5 * MIN);
    expect(nextScheduleAt([record("archived", NOW, NOW + MIN), record("live", null, null)])).toBeNull();
  });
});

describe("the alarm's step", () => {
  it("starts a due draft and resumes a due paused experiment, keeping the end", () => {
    expect(scheduledStep(record("draft", NOW, NOW + MIN), NOW, free)).toEqual({ act: { action: "start" }, clear: ["scheduled_start_at"] });
    expect(scheduledStep(record("paused", NOW - MIN, null), NOW, free)).toEqual({
      act: { action: "resume" },
      clear: ["scheduled_start_at"],
    });
  });

  it("does not start what cannot start, records why, and does not retry", () => {
    const busy = () => ({ code: "target_page_busy", reason: "experiment 3 is live on /pricing" });
    expect(scheduledStep(record("draft", NOW, NOW + MIN), NOW, busy)).toEqual({
      act: { action: "not_started", code: "target_page_busy", reason: "experiment 3 is live on /pricing" },
      clear: ["scheduled_start_at"],
    });
    // A late alarm: the end has passed too. Starting now would run a test nobody planned.
    let asked = false;
    const step = scheduledStep(record("draft", NOW - 60 * MIN, NOW - MIN), NOW, () => {
      asked = true;
      return null;
    });
    expect(step).toEqual({
      act: { action: "not_started", code: "schedule_end_passed", reason: "the scheduled end had already passed when the start came due" },
      clear: ["scheduled_start_at", "scheduled_end_at"],
    });
    expect(asked).toBe(false);
  });

  it("pauses a live experiment whose end is due", () => {
    expect(scheduledStep(record("live", null, NOW), NOW, free)).toEqual({ act: { action: "pause" }, clear: ["scheduled_end_at"] });
  });

  it("clears due times with nothing to act on, and leaves a record with nothing due alone", () => {
    expect(scheduledStep(record("live", NOW - MIN, null), NOW, free)).toEqual({ act: { action: "none" }, clear: ["scheduled_start_at"] });
    expect(scheduledStep(record("done", NOW - MIN, NOW - MIN), NOW, free)).toEqual({
      act: { action: "none" },
      clear: ["scheduled_start_at", "scheduled_end_at"],
    });
    expect(scheduledStep(record("paused", null, NOW), NOW, free)).toEqual({ act: { action: "none" }, clear: ["scheduled_end_at"] });
    expect(scheduledStep(record("draft", NOW + MIN, NOW + 2 * MIN), NOW, free)).toEqual({ act: { action: "none" }, clear: [] });
  });
});
