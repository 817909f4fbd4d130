// A few hand-written checks for the parsers on the edge's path (edge-config.ts, custom-events.ts),
// which may not import zod: a full validation library is most of an edge Worker's size, and a visitor's
// request must not load it. Each check either returns the value or records a problem at a path and
// returns INVALID; nothing here throws. What each accepts is what the zod schema of the same thing
// accepts, and property tests hold them to it (test/workers/edge-parsers.test.ts).

/** One thing wrong with an input, at a dotted path ("experiments.0.variants.1.slug"). */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly Problem[] };

export const INVALID: unique symbol = Symbol("invalid");
export type Checked<T> = T | typeof INVALID;

export type Path = ReadonlyArray<string | number>;

/** Past this many problems a document is refused without listing more: the log line stays short. */
const MAX_PROBLEMS = 20;

export class Checker {
  readonly problems: Problem[] = [];
  private readonly root: string;

  /** `root` names the whole input in a problem's path ("(document)", "(body)"). */
  constructor(root: string) {
    this.root = root;
  }

  fail(path: Path, message: string): typeof INVALID {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path: path.length === 0 ? this.root : path.join("."), message });
    return INVALID;
  }

  /** The outcome: the value when nothing was recorded, else the problems. */
  result<T>(value: Checked<T>): Parsed<T> {
    return value === INVALID || this.problems.length > 0
      ? { ok: false, problems: this.problems.length > 0 ? this.problems : [{ path: this.root, message: "invalid" }] }
      : { ok: true, value };
  }

  /**
   * A plain object (not null, not an array) with no field outside `fields`; its fields are then read by
   * name. An unknown field is a problem, as in a zod strictObject: a typo must not pass unseen.
   */
  object(v: unknown, path: Path, fields: readonly string[]): Checked<Record<string, unknown>> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return this.fail(path, "expected an object");
    const record = v as Record<string, unknown>;
    let ok = true;
    for (const key of Object.keys(record)) {
      if (!fields.includes(key)) {
        this.fail([...path, key], "is not a known field");
        ok = false;
      }
    }
    return ok ? record : INVALID;
  }

  string(v: unknown, path: Path, rule: { min?: number; max?: number; pattern?: RegExp; message?: string } = {}): Checked<string> {
    if (typeof v !== "string") return this.fail(path, "expected a string");
    if (rule.min !== undefined && v.length < rule.min) return this.fail(path, `must be at least ${rule.min} characters`);
    if (rule.max !== undefined && v.length > rule.max) return this.fail(path, `must be at most ${rule.max} characters`);
    if (rule.pattern !== undefined && !rule.pattern.test(v)) return this.fail(path, rule.message ?? `must match ${rule.pattern}`);
    return v;
  }

  /** A finite number (as zod's z.number()); `int`: a safe integer (as its .int()). Bounds are inclusive. */
  number(v: unknown, path: Path, rule: { int?: boolean; min?: number; max?: number } = {}): Checked<number> {
    if (typeof v !== "number" || !Number.isFinite(v)) return this.fail(path, "expected a finite number");
    if (rule.int === true && !Number.isSafeInteger(v)) return this.fail(path, "expected a whole number");
    if (rule.min !== undefined && v < rule.min) return this.fail(path, `must be at least ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) return this.fail(path, `must be at most ${rule.max}`);
    return v;
  }

  boolean(v: unknown, path: Path): Checked<boolean> {
    return typeof v === "boolean" ? v : this.fail(path, "expected a boolean");
  }

  oneOf<const T extends string>(v: unknown, path: Path, values: readonly T[]): Checked<T> {
    return typeof v === "string" && (values as readonly string[]).includes(v)
      ? (v as T)
      : this.fail(path, `must be one of ${values.join(", ")}`);
  }

  /**
   * Reads the fields named by `shape` from `o`, each by its own check at its own path, every one of them
   * (so that one reading lists all the problems); other fields are left alone. A field whose check gives
   * undefined (an absent optional field) is left out of the result. INVALID when any field is.
   */
  read<T>(o: Record<string, unknown>, path: Path, shape: Shape<T>): Checked<T> {
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const key in shape) {
      const value = shape[key](this, o[key], [...path, key]);
      if (value === INVALID) ok = false;
      else if (value !== undefined) out[key] = value;
    }
    return ok ? (out as T) : INVALID;
  }

  /** A plain object with no field outside `shape` (as `object`), read by `shape` (as `read`). */
  fields<T>(v: unknown, path: Path, shape: Shape<T>): Checked<T> {
    const o = this.object(v, path, Object.keys(shape));
    return o === INVALID ? o : this.read(o, path, shape);
  }

  /** An array of `min` to `max` items, each checked by `item`; INVALID when any item is. */
  array<T>(v: unknown, path: Path, min: number, max: number, item: (v: unknown, path: Path) => Checked<T>): Checked<T[]> {
    if (!Array.isArray(v)) return this.fail(path, "expected an array");
    if (v.length < min) return this.fail(path, `must hold at least ${min}`);
    if (v.length > max) return this.fail(path, `must hold at most ${max}`);
    const out: T[] = [];
    let ok = true;
    for (let i = 0; i < v.length; i++) {
      const checked = item(v[i], [...path, i]);
      if (checked === INVALID) ok = false;
      else out.push(checked);
    }
    return ok ? out : INVALID;
  }
}

/** A check of one value at a path: the value, or INVALID with the problem recorded on the Checker. */
export type Check<T> = (c: Checker, v: unknown, path: Path) => Checked<T>;

/** The checks of an object's fields, one per field (an optional field's check accepts undefined). */
export type Shape<T> = { readonly [K in keyof T]-?: Check<T[K]> };

// Checks built from a rule, for shapes: `{ slug: text({ pattern: SLUG }), shards: optional(count, 1) }`.

type TextRule = Parameters<Checker["string"]>[2];
type NumberRule = Parameters<Checker["number"]>[2];

export const text =
  (rule?: TextRule): Check<string> =>
  (c, v, path) =>
    c.string(v, path, rule);

export const num =
  (rule?: NumberRule): Check<number> =>
  (c, v, path) =>
    c.number(v, path, rule);

export const bool: Check<boolean> = (c, v, path) => c.boolean(v, path);

export const oneOf =
  <const T extends string>(values: readonly T[]): Check<T> =>
  (c, v, path) =>
    c.oneOf(v, path, values);

export const list =
  <T>(min: number, max: number, item: Check<T>): Check<T[]> =>
  (c, v, path) =>
    c.array(v, path, min, max, (x, p) => item(c, x, p));

/** `check`, or `absent` when the field is undefined (left out of the result when `absent` is undefined too). */
export function optional<T>(check: Check<T>): Check<T | undefined>;
export function optional<T, A>(check: Check<T>, absent: A): Check<T | A>;
export function optional<T, A>(check: Check<T>, absent?: A): Check<T | A | undefined> {
  return (c, v, path) => (v === undefined ? absent : check(c, v, path));
}

/** `check`, or null when the field is undefined or null. */
export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (c, v, path) =>
    v === undefined || v === null ? null : check(c, v, path);

/** `check`, then a further rule of the checked value: why it is wrong, or null. */
export const refined =
  <T>(check: Check<T>, problem: (value: T) => string | null): Check<T> =>
  (c, v, path) => {
    const value = check(c, v, path);
    if (value === INVALID) return value;
    const message = problem(value);
    return message === null ? value : c.fail(path, message);
  };

/** Runs `parse`, turning anything it throws (an exotic input's getter, say) into a refusal. */
export function guarded<T>(root: string, parse: (c: Checker) => Checked<T>): Parsed<T> {
  const c = new Checker(root);
  try {
    return c.result(parse(c));
  } catch (err) {
    return { ok: false, problems: [{ path: root, message: `could not be read: ${String(err)}` }] };
  }
}
