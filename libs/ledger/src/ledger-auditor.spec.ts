import { GENESIS_PREV } from './envelope';
import { toBase64Url } from './hashing';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from './keys';
import { buildKeyDirectory, checkStoredEvent, KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE, KEY_STREAM, LedgerAuditor, resolverOf } from './ledger-auditor';
import { sealEvent } from './seal';
import { draftFixture } from './testing/event-fixtures';

const newSigner = (): Signer => createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

function registration(root: Signer, node: Signer, seq = 0, prev = GENESIS_PREV) {
  return sealEvent(
    draftFixture({ id: `reg-${node.kid}`, type: KEY_REGISTERED_TYPE, stream: KEY_STREAM, org: 'platform', data: { kid: node.kid, publicKey: toBase64Url(node.publicKey) }, payload: null }),
    { seq, prev },
    root,
  );
}

function callEvents(node: Signer, count: number) {
  const events = [];
  let prev = GENESIS_PREV;
  for (let seq = 0; seq < count; seq++) {
    const env = sealEvent(draftFixture({ id: `call-${seq}`, stream: 'calls-o-n' }), { seq, prev }, node);
    prev = env.hash;
    events.push(env);
  }
  return events;
}

function revocation(root: Signer, kid: string, seq: number, prev: string, extra: Record<string, unknown> = {}) {
  return sealEvent(
    draftFixture({ id: `rev-${kid}-${seq}`, type: KEY_REVOKED_TYPE, stream: KEY_STREAM, org: 'platform', data: { kid, reason: 'rotated', ...extra }, payload: null }),
    { seq, prev },
    root,
  );
}

interface LogEntry {
  stream: string;
  data: any;
  revision?: number;
  /** The row's own id and type columns (default: the envelope's). */
  id?: string;
  type?: string;
}

function audit(root: Signer, log: LogEntry[]) {
  const stored = log.map((e, i) => ({ position: i + 1, stream: e.stream, revision: e.revision ?? e.data.seq, id: e.id ?? e.data.id, type: e.type ?? e.data.type, data: e.data }));
  const directory = buildKeyDirectory(root.publicKey, stored.filter((s) => s.stream === KEY_STREAM).map((s) => ({ position: s.position, envelope: s.data })));
  const auditor = new LedgerAuditor(directory, { densePositions: true });
  for (const s of stored) auditor.feed(checkStoredEvent(s, resolverOf(directory)));
  return auditor;
}

describe('LedgerAuditor', () => {
  const root = newSigner();
  const node = newSigner();
  const reg = registration(root, node);
  const calls = callEvents(node, 3);
  const log = () => [{ stream: KEY_STREAM, data: reg }, ...calls.map((c) => ({ stream: c.stream, data: c }))];

  it('accepts a ledger whose node key the root registered first', () => {
    const auditor = audit(root, log());
    expect(auditor.problems).toEqual([]);
    expect(auditor.events).toBe(4);
    expect(auditor.streamCount).toBe(2);
  });

  it('rejects events signed by a key nobody registered (re-signed rows)', () => {
    const forger = newSigner();
    const forged = sealEvent(draftFixture({ id: 'call-1', stream: 'calls-o-n' }), { seq: 1, prev: calls[0].hash }, forger);
    const entries = log();
    entries[2] = { stream: 'calls-o-n', data: forged };
    expect(audit(root, entries).problems[0]).toMatchObject({ position: 3, reason: 'UNKNOWN_KEY' });
  });

  it('rejects a key registration not signed by the root', () => {
    const rogue = newSigner();
    const entries = log();
    entries.push({ stream: KEY_STREAM, data: registration(node, rogue, 1, reg.hash) });
    const problems = audit(root, entries).problems;
    expect(problems[0]).toMatchObject({ position: 5, reason: 'KEY_REGISTRATION_NOT_BY_ROOT' });
  });

  it('rejects events signed before their key was registered', () => {
    const entries = log();
    const [first, ...rest] = entries;
    const problems = audit(root, [...rest, first]).problems;
    expect(problems[0]).toMatchObject({ position: 1, reason: 'KEY_NOT_YET_REGISTERED' });
  });

  it('names a deleted row as a position gap and a broken chain', () => {
    const stored = log().map((e, i) => ({ position: i + 1, stream: e.stream, revision: e.data.seq, data: e.data }));
    stored.splice(2, 1); // delete position 3
    const directory = buildKeyDirectory(root.publicKey, [{ position: 1, envelope: reg }]);
    const auditor = new LedgerAuditor(directory, { densePositions: true });
    for (const s of stored) auditor.feed(checkStoredEvent(s, resolverOf(directory)));
    expect(auditor.problems[0]).toMatchObject({ position: 4, reason: 'POSITION_GAP' });
  });
});

describe('LedgerAuditor: the row must say what its envelope says', () => {
  const root = newSigner();
  const node = newSigner();
  const reg = registration(root, node);
  const calls = callEvents(node, 3);
  const log = (): LogEntry[] => [{ stream: KEY_STREAM, data: reg }, ...calls.map((c) => ({ stream: c.stream, data: c }))];

  it('rejects a whole stream copied verbatim under a new name (STREAM_MISMATCH at its first row)', () => {
    const copied = calls.map((c, i) => ({ stream: 'calls-o-copy', data: c, id: `copy-${i}` }));
    const problems = audit(root, [...log(), ...copied]).problems;
    expect(problems[0]).toMatchObject({ position: 5, stream: 'calls-o-copy', reason: 'STREAM_MISMATCH' });
    expect(problems[0].detail).toContain('calls-o-n@0 is stored as calls-o-copy@0');
  });

  it('rejects a row whose id column was edited (ROW_MISMATCH naming the id)', () => {
    const entries = log();
    entries[2] = { ...entries[2], id: 'another-id' };
    const [problem] = audit(root, entries).problems;
    expect(problem).toMatchObject({ position: 3, reason: 'ROW_MISMATCH' });
    expect(problem.detail).toMatch(/^id: /);
  });

  it('rejects a row whose type column was edited (ROW_MISMATCH naming the type)', () => {
    const entries = log();
    entries[3] = { ...entries[3], type: 'ToolCallCompleted' };
    const [problem] = audit(root, entries).problems;
    expect(problem).toMatchObject({ position: 4, reason: 'ROW_MISMATCH' });
    expect(problem.detail).toMatch(/^type: .*ToolCallDecided.*ToolCallCompleted/);
  });

  it('compares only stream and revision when the row gives no id or type (as before)', () => {
    const check = checkStoredEvent({ position: 2, stream: 'calls-o-n', revision: 0, data: calls[0] }, resolverOf(buildKeyDirectory(root.publicKey, [{ position: 1, envelope: reg }])));
    expect(check).toMatchObject({ result: { ok: true } });
    expect(check.mismatch).toBeUndefined();
  });

  it('accepts a filtered feed (positions not dense)', () => {
    const directory = buildKeyDirectory(root.publicKey, [{ position: 1, envelope: reg }]);
    const auditor = new LedgerAuditor(directory, { densePositions: false });
    calls.forEach((c, i) => auditor.feed(checkStoredEvent({ position: 10 + i * 7, stream: c.stream, revision: c.seq, id: c.id, type: c.type, data: c }, resolverOf(directory))));
    expect(auditor.problems).toEqual([]);
  });
});

describe('LedgerAuditor: what the root key may sign', () => {
  const root = newSigner();
  const node = newSigner();
  const reg = registration(root, node);

  it('rejects an ordinary event signed by the root (ROOT_SIGNED_EVENT)', () => {
    const byRoot = sealEvent(draftFixture({ id: 'call-0', stream: 'calls-o-n' }), { seq: 0, prev: GENESIS_PREV }, root);
    const problems = audit(root, [{ stream: KEY_STREAM, data: reg }, { stream: 'calls-o-n', data: byRoot }]).problems;
    expect(problems).toEqual([expect.objectContaining({ position: 2, reason: 'ROOT_SIGNED_EVENT' })]);
  });
});

describe('LedgerAuditor: key revocation', () => {
  const root = newSigner();
  const node = newSigner();
  const successor = newSigner();
  const reg = registration(root, node);
  const reg2 = registration(root, successor, 1, reg.hash);
  const calls = callEvents(node, 3);

  it('accepts what the key signed before its revocation, rejects what it signs after (KEY_REVOKED)', () => {
    const revoked = revocation(root, node.kid, 2, reg2.hash, { supersededBy: successor.kid });
    const problems = audit(root, [
      { stream: KEY_STREAM, data: reg },
      { stream: KEY_STREAM, data: reg2 },
      { stream: 'calls-o-n', data: calls[0] },
      { stream: KEY_STREAM, data: revoked },
      { stream: 'calls-o-n', data: calls[1] },
    ]).problems;
    expect(problems).toEqual([expect.objectContaining({ position: 5, reason: 'KEY_REVOKED' })]);
    expect(problems[0].detail).toContain('position 4');
  });

  it('keeps accepting the successor key after the revocation', () => {
    const revoked = revocation(root, node.kid, 2, reg2.hash);
    const bySuccessor = sealEvent(draftFixture({ id: 'call-s', stream: 'calls-o-m' }), { seq: 0, prev: GENESIS_PREV }, successor);
    const auditor = audit(root, [{ stream: KEY_STREAM, data: reg }, { stream: KEY_STREAM, data: reg2 }, { stream: KEY_STREAM, data: revoked }, { stream: 'calls-o-m', data: bySuccessor }]);
    expect(auditor.problems).toEqual([]);
  });

  it('rejects a revocation not signed by the root (KEY_REGISTRATION_NOT_BY_ROOT), which revokes nothing', () => {
    const rogue = revocation(node, node.kid, 1, reg.hash);
    const problems = audit(root, [{ stream: KEY_STREAM, data: reg }, { stream: KEY_STREAM, data: rogue }, { stream: 'calls-o-n', data: calls[0] }]).problems;
    expect(problems).toEqual([expect.objectContaining({ position: 2, reason: 'KEY_REGISTRATION_NOT_BY_ROOT' })]);
  });

  it('rejects revoking a kid the root never registered (KEY_REVOCATION_INVALID)', () => {
    const unknown = revocation(root, newSigner().kid, 1, reg.hash);
    const problems = audit(root, [{ stream: KEY_STREAM, data: reg }, { stream: KEY_STREAM, data: unknown }, { stream: 'calls-o-n', data: calls[0] }]).problems;
    expect(problems).toEqual([expect.objectContaining({ position: 2, reason: 'KEY_REVOCATION_INVALID' })]);
    expect(problems[0].detail).toContain('never registered');
  });

  it('rejects revoking the root key, or with no reason', () => {
    const ofRoot = revocation(root, root.kid, 1, reg.hash);
    const noReason = revocation(root, node.kid, 2, ofRoot.hash, { reason: undefined });
    const problems = audit(root, [{ stream: KEY_STREAM, data: reg }, { stream: KEY_STREAM, data: ofRoot }, { stream: KEY_STREAM, data: noReason }, { stream: 'calls-o-n', data: calls[0] }]).problems;
    expect(problems.map((p) => [p.position, p.reason])).toEqual([
      [2, 'KEY_REVOCATION_INVALID'],
      [3, 'KEY_REVOCATION_INVALID'],
    ]);
  });
});

describe('LedgerAuditor: the problem cap', () => {
  const root = newSigner();
  const forger = newSigner();
  const forged = (n: number) => callEvents(forger, n).map((c) => ({ stream: c.stream, data: c }));

  it('keeps maxProblems problems and says when there were more', () => {
    const run = (n: number) => {
      const directory = buildKeyDirectory(root.publicKey, []);
      const auditor = new LedgerAuditor(directory, { densePositions: true, maxProblems: 3 });
      forged(n).forEach((e, i) => auditor.feed(checkStoredEvent({ position: i + 1, stream: e.stream, revision: e.data.seq, data: e.data }, resolverOf(directory))));
      return auditor;
    };
    expect(run(3)).toMatchObject({ problemsCapped: false, problems: { length: 3 } });
    expect(run(4)).toMatchObject({ problemsCapped: true, problems: { length: 3 } });
  });
});

describe('LedgerAuditor.checkStreamHead', () => {
  const root = newSigner();
  const node = newSigner();
  const reg = registration(root, node);
  const calls = callEvents(node, 3);
  const log = [{ stream: KEY_STREAM, data: reg }, ...calls.map((c) => ({ stream: c.stream, data: c }))];

  it('accepts stored heads that end where the log does', () => {
    const auditor = audit(root, log);
    expect([...auditor.streamRevisions]).toEqual([[KEY_STREAM, 0], ['calls-o-n', 2]]);
    expect(auditor.checkStreamHead(KEY_STREAM, 0)).toBeUndefined();
    expect(auditor.checkStreamHead('calls-o-n', 2)).toBeUndefined();
    expect(auditor.problems).toEqual([]);
  });

  it('names the newest event deleted: a stored head ahead of the log', () => {
    const auditor = audit(root, log.slice(0, -1));
    expect(auditor.problems).toEqual([]);
    expect(auditor.checkStreamHead('calls-o-n', 2)).toMatchObject({ position: 4, stream: 'calls-o-n', seq: 2, reason: 'STREAM_HEAD_MISMATCH' });
    expect(auditor.problems).toHaveLength(1);
  });

  it('names rows added behind the store: a stored head behind the log, or none', () => {
    const auditor = audit(root, log);
    expect(auditor.checkStreamHead('calls-o-n', 1)).toMatchObject({ position: 4, eventId: 'call-2', reason: 'STREAM_HEAD_MISMATCH' });
    expect(auditor.checkStreamHead(KEY_STREAM, -1)).toMatchObject({ position: 1, reason: 'STREAM_HEAD_MISMATCH' });
  });
});

describe('LedgerAuditor resuming from known stream heads', () => {
  const root = newSigner();
  const node = newSigner();
  const reg = registration(root, node);
  const calls = callEvents(node, 4);
  const directory = buildKeyDirectory(root.publicKey, [{ position: 1, envelope: reg }]);
  const stored = (i: number) => ({ position: i + 2, stream: calls[i].stream, revision: calls[i].seq, data: calls[i] });

  it('accepts the rest of a stream when given the head it continues from', () => {
    const auditor = new LedgerAuditor(directory, { densePositions: false, initialHeads: [['calls-o-n', { seq: 1, hash: calls[1].hash }]] });
    expect(auditor.feed(checkStoredEvent(stored(2), resolverOf(directory)))).toBeUndefined();
    expect(auditor.feed(checkStoredEvent(stored(3), resolverOf(directory)))).toBeUndefined();
  });

  it('without the head, the same events fail (the stream seems to start mid-way)', () => {
    const auditor = new LedgerAuditor(directory, { densePositions: false });
    expect(auditor.feed(checkStoredEvent(stored(2), resolverOf(directory)))?.reason).toBe('SEQ_GAP');
  });

  it('with a head whose hash is not the previous event\u2019s, the next one fails with PREV_MISMATCH', () => {
    const auditor = new LedgerAuditor(directory, { densePositions: false, initialHeads: [['calls-o-n', { seq: 1, hash: calls[0].hash }]] });
    expect(auditor.feed(checkStoredEvent(stored(2), resolverOf(directory)))?.reason).toBe('PREV_MISMATCH');
  });
});
