// What the edge tallies besides events, added up in the isolate until the batcher sends it: per
// experiment, per epoch and variant, the origin's answers to target-page requests (a count, the 4xx and
// 5xx among them, and the time to the response headers as a sum and a sum of squares, in whole
// milliseconds), and the requests not counted, by reason. A page view adds to a few numbers here; it
// never becomes a Durable Object call of its own. Each batch taken for sending gets an id, which
// run-data keeps, so that a batch sent again after a lost answer is applied once.

/** The longest time to headers a response adds to the latency sums: a hung origin must not swamp them. */
export const MAX_LATENCY_MS = 60_000;

/** [epoch, variant, responses, 4xx, 5xx, Σ ms, Σ ms²] */
export type ResponseRow = [number, string, number, number, number, number, number];
/** [epoch, variant ('' when not known), reason, requests] */
export type NotCountedRow = [number, string, string, number];

/** One experiment's tallies as sent to run-data, with the identity that makes a resend harmless. */
export interface TallyBatch {
  readonly id: string;
  readonly experimentId: number;
  readonly responses: ResponseRow[];
  readonly notCounted: NotCountedRow[];
}

/** One experiment's running tallies in this isolate. */
export class ExperimentTallies {
  readonly experimentId: number;
  shards: number;
  private responses = new Map<string, ResponseRow>();
  private notCounted = new Map<string, NotCountedRow>();

  constructor(experimentId: number, shards: number) {
    this.experimentId = experimentId;
    this.shards = shards;
  }

  get empty(): boolean {
    return this.responses.size === 0 && this.notCounted.size === 0;
  }

  response(epoch: number, variant: string, status: number, ms: number): void {
    const key = `${epoch}\u0000${variant}`;
    let row = this.responses.get(key);
    if (row === undefined) {
      row = [epoch, variant, 0, 0, 0, 0, 0];
      this.responses.set(key, row);
    }
    const t = Number.isFinite(ms) ? Math.min(MAX_LATENCY_MS, Math.max(0, Math.round(ms))) : 0;
    row[2]++;
    if (status >= 500) row[4]++;
    else if (status >= 400) row[3]++;
    row[5] += t;
    row[6] += t * t;
  }

  notCountedRequest(epoch: number, variant: string | null, reason: string, n = 1): void {
    const v = variant ?? "";
    const key = `${epoch}\u0000${v}\u0000${reason}`;
    const row = this.notCounted.get(key);
    if (row === undefined) this.notCounted.set(key, [epoch, v, reason, n]);
    else row[3] += n;
  }

  /** Everything tallied so far, as one batch with a fresh id; the tallies start again from zero. */
  take(): TallyBatch {
    const batch: TallyBatch = {
      id: crypto.randomUUID(),
      experimentId: this.experimentId,
      responses: [...this.responses.values()],
      notCounted: [...this.notCounted.values()],
    };
    this.responses = new Map();
    this.notCounted = new Map();
    return batch;
  }
}
