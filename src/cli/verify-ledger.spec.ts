import { randomUUID } from 'node:crypto';
import {
  createEd25519Signer,
  generateEd25519KeyPair,
  GENESIS_PREV,
  KEY_REGISTERED_TYPE,
  KEY_STREAM,
  sealEvent,
  toBase64Url,
  type EventEnvelope,
  type Signer,
} from '@warden/ledger';
import { createEventStore, type EventStore } from '@warden/event-store';
import { verifyLedger } from './verify-ledger';

const newSigner = (): Signer => createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
const AT = '2026-11-25T04:10:57.123456Z';

/** A ledger in an in-memory SQLite store: the root registers the node key, the node writes. */
async function ledger() {
  const root = newSigner();
  const node = newSigner();
  const store = createEventStore('sqlite::memory:');
  const heads = new Map<string, EventEnvelope>();
  const append = async (stream: string, signer: Signer, type = 'Thing', data: Record<string, unknown> = {}) => {
    const last = heads.get(stream);
    const env = sealEvent(
      { id: randomUUID(), type, stream, org: 'o', at: AT, actor: { kind: 'system', id: 't' }, data },
      last ? { seq: last.seq + 1, prev: last.hash } : { seq: 0, prev: GENESIS_PREV },
      signer,
    );
    await store.appendToStream(stream, [{ id: env.id, type, data: env }], { expectedRevision: last ? last.seq : 'no_stream' });
    heads.set(stream, env);
  };
  await append(KEY_STREAM, root, KEY_REGISTERED_TYPE, { kid: node.kid, publicKey: toBase64Url(node.publicKey) });
  for (let i = 0; i < 5; i++) await append(`calls-${i % 2}`, node);
  return { root, node, store, append };
}

/** The store as the verifier sees it, with a hook before each stream-head read. */
function withHeadHook(store: EventStore, beforeHead: () => Promise<void>): EventStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'streamRevision') {
        return async (stream: string) => {
          await beforeHead();
          return target.streamRevision(stream);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('verifyLedger', () => {
  it('verifies a sound ledger', async () => {
    const { root, store } = await ledger();
    const report = await verifyLedger(store, { rootPublicKey: root.publicKey, workers: 0 });
    expect(report).toMatchObject({ ok: true, events: 6, streams: 3, keys: 2, problems: [] });
    await store.close();
  });

  it('reads on when events are appended after the walk (a live ledger), instead of calling them missing', async () => {
    const { root, node, store, append } = await ledger();
    let appended = 0;
    const live = withHeadHook(store, async () => {
      if (appended++ < 3) await append('calls-0', node); // each head read finds the log a little longer
    });
    const report = await verifyLedger(live, { rootPublicKey: root.publicKey, workers: 0, pageSize: 2 });
    expect(report.problems).toEqual([]);
    expect(report.events).toBe(9);
    await store.close();
  });

  it('names events missing at the end of a stream when the log stops short of the stored head', async () => {
    const { root, store } = await ledger();
    const truncated = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'readAll') {
          return async (options: { fromPosition?: number; maxCount?: number }) => (await target.readAll(options)).filter((e) => e.position < 6);
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const report = await verifyLedger(truncated, { rootPublicKey: root.publicKey, workers: 0 });
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatchObject({ position: 6, stream: 'calls-0', seq: 2, reason: 'STREAM_HEAD_MISMATCH' });
    await store.close();
  });
});
