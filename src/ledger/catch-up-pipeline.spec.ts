import type { EventCheck } from '@warden/ledger';
import type { RecordedEvent } from '@warden/event-store';
import { CatchUpPipeline } from './catch-up-pipeline';
import type { EventChecker } from './event-checkers';

const event = (position: number): RecordedEvent => ({ id: `e${position}`, type: 'T', stream: 's', revision: position - 1, position, data: {} });

/** Answers each page after a delay that shrinks with every page: later pages come back first. */
class ReorderingChecker implements EventChecker {
  readonly parallelism = 2;
  pages = 0;
  closed = false;
  constructor(private readonly failPage?: number) {}
  check(page: readonly RecordedEvent[]): Promise<EventCheck[]> {
    const n = this.pages++;
    return new Promise((resolve, reject) =>
      setTimeout(() => (n === this.failPage ? reject(new Error('worker died')) : resolve(page.map((e) => ({ position: e.position, stream: e.stream, revision: e.revision, result: { ok: true } }) as EventCheck))), Math.max(0, 30 - n * 5)),
    );
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Delivers like a catch-up subscription: one event at a time, awaiting the handler; stops at the first throw. */
async function deliver(pipeline: CatchUpPipeline, from: number, to: number): Promise<unknown> {
  try {
    for (let p = from; p <= to; p++) await pipeline.push(event(p));
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('CatchUpPipeline', () => {
  it('applies in commit order, each event with its own check, however the pages come back; then live events directly', async () => {
    const checker = new ReorderingChecker();
    const applied: Array<[number, number | undefined]> = [];
    const pipeline = new CatchUpPipeline(checker, (recorded, check) => applied.push([recorded.position, check?.position]), 3);
    expect(await deliver(pipeline, 1, 20)).toBeUndefined();
    await pipeline.finish();
    expect(checker.pages).toBe(7);
    expect(checker.closed).toBe(true);
    expect(applied).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1, i + 1]));
    await pipeline.push(event(21));
    expect(applied.at(-1)).toEqual([21, undefined]); // live: apply() checks it itself
  });

  it('stops at the event apply() refuses: nothing after it is applied, and the next event given throws', async () => {
    const applied: number[] = [];
    const refused = new Error('forged at 7');
    const pipeline = new CatchUpPipeline(new ReorderingChecker(), (recorded) => {
      if (recorded.position === 7) throw refused;
      applied.push(recorded.position);
    }, 3);
    const stopped = await deliver(pipeline, 1, 30);
    await expect(pipeline.finish()).rejects.toBe(refused);
    expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stopped).toBe(refused);
    expect(() => pipeline.push(event(31))).toThrow(refused);
  });

  it('checks a page whose checks never came (a worker that died) by apply() itself, in order', async () => {
    const applied: Array<[number, boolean]> = [];
    const pipeline = new CatchUpPipeline(new ReorderingChecker(1), (recorded, check) => applied.push([recorded.position, check !== undefined]), 3);
    await deliver(pipeline, 1, 9);
    await pipeline.finish();
    expect(applied).toEqual([[1, true], [2, true], [3, true], [4, false], [5, false], [6, false], [7, true], [8, true], [9, true]]);
  });
});
