import { ChainVerifier, type ChainLink, type ChainProblem } from './chain-verifier';
import type { EventEnvelope } from './envelope';
import { createEd25519Signer, generateEd25519KeyPair } from './keys';
import { chainHeadAfter, sealEvent } from './seal';
import { draftFixture } from './testing/event-fixtures';

const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

/** Three streams, four events each, interleaved a1 b1 c1 a2 b2 c2 … in commit order. */
function interleavedLog(): EventEnvelope[] {
  const last = new Map<string, EventEnvelope>();
  const log: EventEnvelope[] = [];
  for (let round = 0; round < 4; round++) {
    for (const stream of ['calls-acme-n1', 'agent-7', 'policy-acme']) {
      const env = sealEvent(draftFixture({ id: `${stream}-${round}`, stream }), chainHeadAfter(last.get(stream)), signer);
      last.set(stream, env);
      log.push(env);
    }
  }
  return log;
}

/** Feed the log; return [index, reason] of every reported problem. */
function problemsIn(log: ChainLink[], verifier = new ChainVerifier()): Array<[number, ChainProblem['reason']]> {
  const found: Array<[number, ChainProblem['reason']]> = [];
  log.forEach((env, index) => {
    const problem = verifier.check(env);
    if (problem) found.push([index, problem.reason]);
  });
  return found;
}

describe('ChainVerifier', () => {
  const log = interleavedLog();

  it('passes a good log of three interleaved streams and counts what it saw', () => {
    const verifier = new ChainVerifier();
    expect(problemsIn(log, verifier)).toEqual([]);
    expect(verifier.eventCount).toBe(12);
    expect(verifier.streamCount).toBe(3);
    expect(verifier.problemCount).toBe(0);
    expect(verifier.headOf('agent-7')).toEqual({ seq: 3, hash: log[10].hash });
  });

  it('reports a deleted event at the next event of its stream, once', () => {
    const withoutIndex4 = log.filter((_, i) => i !== 4); // agent-7 seq 1
    // agent-7 seq 2 was at index 7, now 6
    expect(problemsIn(withoutIndex4)).toEqual([[6, 'SEQ_GAP']]);
  });

  it('reports PREV_MISMATCH when a deleted event is hidden by renumbering', () => {
    const renumbered = log.filter((_, i) => i !== 4).map((env) =>
      env.stream === 'agent-7' && env.seq >= 2 ? { ...env, seq: env.seq - 1 } : env,
    );
    expect(problemsIn(renumbered)).toEqual([[6, 'PREV_MISMATCH']]);
  });

  it('reports two swapped events of one stream', () => {
    const swapped = [...log];
    [swapped[3], swapped[6]] = [swapped[6], swapped[3]]; // calls-acme-n1 seq 1 and seq 2
    expect(problemsIn(swapped)).toEqual([
      [3, 'SEQ_GAP'],
      [6, 'SEQ_DUPLICATE_OR_REORDERED'],
    ]);
  });

  it('reports an inserted duplicate, and the stream goes on verifying after it', () => {
    const duplicated = [...log.slice(0, 5), log[4], ...log.slice(5)];
    expect(problemsIn(duplicated)).toEqual([[5, 'SEQ_DUPLICATE_OR_REORDERED']]);
  });

  it('reports a forged event with a repeated seq without moving the head', () => {
    const forged = sealEvent(draftFixture({ id: 'forged', stream: 'agent-7' }), chainHeadAfter(log[1]), signer);
    const withForgery = [...log.slice(0, 5), forged, ...log.slice(5)];
    expect(problemsIn(withForgery)).toEqual([[5, 'SEQ_DUPLICATE_OR_REORDERED']]);
  });

  it('reports a replaced event (same seq, different content) as a broken link', () => {
    const replacement = sealEvent(draftFixture({ id: 'replaced', stream: 'agent-7' }), chainHeadAfter(log[1]), signer);
    const replaced = log.map((env, i) => (i === 4 ? replacement : env));
    expect(problemsIn(replaced)).toEqual([[7, 'PREV_MISMATCH']]);
  });

  it('requires a stream to start at seq 0', () => {
    const first = log[0];
    expect(new ChainVerifier().check({ ...first, seq: 1 })).toMatchObject({ reason: 'SEQ_GAP' });
    expect(problemsIn(log.slice(3))).toEqual([
      [0, 'SEQ_GAP'],
      [1, 'SEQ_GAP'],
      [2, 'SEQ_GAP'],
    ]);
  });

  it('requires seq 0 to link to genesis', () => {
    expect(new ChainVerifier().check({ ...log[0], prev: log[1].hash })).toMatchObject({ reason: 'PREV_MISMATCH' });
  });

  it('reports an event stored in another stream or at another revision, without moving the head', () => {
    const verifier = new ChainVerifier();
    expect(verifier.check(log[0], { stream: 'calls-acme-n1', revision: 0 })).toBeUndefined();
    expect(verifier.check(log[1], { stream: 'calls-acme-n1' })).toMatchObject({ reason: 'STREAM_MISMATCH' });
    expect(verifier.check(log[3], { stream: 'calls-acme-n1', revision: 2 })).toMatchObject({ reason: 'STREAM_MISMATCH' });
    expect(verifier.check(log[3], { stream: 'calls-acme-n1', revision: 1 })).toBeUndefined();
    expect(verifier.streamCount).toBe(1);
  });

  it('resumes from given heads', () => {
    const verifier = new ChainVerifier([
      ['calls-acme-n1', { seq: 1, hash: log[3].hash }],
      ['agent-7', { seq: 1, hash: log[4].hash }],
      ['policy-acme', { seq: 1, hash: log[5].hash }],
    ]);
    expect(problemsIn(log.slice(6), verifier)).toEqual([]);
  });
});
