// Holdouts as operators manage them (admin side, zod): the body of `POST /holdouts` and `PUT
// /holdouts/:id`, the stored record, the view published to the edge, and what an edit may change.
//
// A holdout keeps `percent` of visitors (by the holdout hash of docs/audiences.md) out of every
// experiment it covers: every experiment when `layer` is null, the experiments of that layer otherwise.
// Its goals are conversion events, as an experiment's are; the published view carries them as goal keys.
// The slug, the percent and the layer decide who is held, so changing one of them once the holdout is
// counting mixes two populations in one sample: like a live experiment's shares, it needs
// `?confirm=reset`, which starts a new epoch (counted from zero). Name, notes and goals change freely.
import * as z from "zod";
import { fail, ok, type Result } from "./errors.ts";
import { goalKey } from "./goals.ts";
import { ConversionEvent, type EdgeConfig, Slug } from "./schema.ts";
import { Percent } from "./targeting/schema.ts";

export const MAX_HOLDOUT_GOALS = 20;

const goals = z
  .array(ConversionEvent)
  .max(MAX_HOLDOUT_GOALS)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((g, i) => {
      const key = goalKey(g);
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `the goal ${key} is listed twice` });
      seen.add(key);
    });
  });

const holdoutFields = {
  slug: Slug,
  name: z.string().trim().min(1).max(200),
  /** The share of visitors held out, 0–100 with at most two decimals. */
  percent: Percent,
  /** The layer whose experiments it covers, or null for every experiment. */
  layer: Slug.nullable().default(null),
  /** What its visitors are counted on: conversion events, as an experiment's goals. */
  goals: goals.default([]),
  notes: z.string().max(10_000).default(""),
};

/** What an operator sends to create or replace a holdout. */
export const HoldoutInput = z.strictObject(holdoutFields);
export type HoldoutInput = z.infer<typeof HoldoutInput>;

const Timestamp = z.iso.datetime();

/** A stored holdout. */
export const HoldoutRecord = z.strictObject({
  id: z.number().int().positive(),
  ...holdoutFields,
  /** Bumped by an edit that changes who is held (`?confirm=reset`); counts are kept per epoch. */
  epoch: z.number().int().min(0),
  /** Run-data objects its visitors are spread over; fixed for its life. */
  shards: z.number().int().min(1),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type HoldoutRecord = z.infer<typeof HoldoutRecord>;

/** The holdout as the published config carries it. */
export function edgeHoldoutOf(r: HoldoutRecord): EdgeConfig["holdouts"][number] {
  return { id: r.id, slug: r.slug, percent: r.percent, layer: r.layer, goals: r.goals.map(goalKey), epoch: r.epoch, shards: r.shards };
}

/** Whether an edit may be saved, and whether it starts a new epoch. */
export function checkHoldoutEdit(current: HoldoutRecord, next: HoldoutInput, confirmReset: boolean): Result<{ resets: boolean }> {
  const changed = (["slug", "percent", "layer"] as const).filter((k) => current[k] !== next[k]);
  if (changed.length === 0) return ok({ resets: false });
  if (!confirmReset) {
    return fail(
      409,
      "confirm_reset_required",
      `changing ${changed.join(", ")} changes who is held out; the holdout's counts start again from zero. Repeat the request with ?confirm=reset`,
    );
  }
  return ok({ resets: true });
}
