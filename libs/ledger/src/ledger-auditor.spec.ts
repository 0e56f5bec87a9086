import { GENESIS_PREV } from './envelope';
import { toBase64Url } from './hashing';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from './keys';
import { buildKeyDirectory, checkStoredEvent, KEY_REGISTERED_TYPE, KEY_STREAM, LedgerAuditor, resolverOf } from './ledger-auditor';
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

function audit(root: Signer, log: Array<{ stream: string; data: any; revision?: number }>) {
  const stored = log.map((e, i) => ({ position: i + 1, stream: e.stream, revision: e.revision ?? e.data.seq, data: e.data }));
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
