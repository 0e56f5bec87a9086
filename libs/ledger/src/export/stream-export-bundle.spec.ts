import { BUNDLE_FILES } from './bundle-format';
import { ExportBundleWriter, ExportPlanner } from './stream-export-bundle';
import { ledgerFixture } from './testing/bundle-fixture';

describe('ExportPlanner + ExportBundleWriter (the streamed export)', () => {
  const fixture = ledgerFixture({ calls: 10, every: 4 });
  const header = { org: fixture.org, origin: fixture.origin, rootPublicKey: fixture.root.publicKey, createdAt: '2026-12-01T12:00:00.000000Z', includePayloads: true, signer: fixture.node };
  const planned = () => {
    const planner = new ExportPlanner({});
    for (const env of fixture.orgEvents) planner.add(env);
    return planner.plan(fixture.checkpoints);
  };

  it('hands the sink every line as it is made, the manifest last, digesting what it handed out', () => {
    const plan = planned();
    const seen: Array<[string, string]> = [];
    const writer = new ExportBundleWriter(plan, header, fixture.keyEvents, (file, text) => seen.push([file, text]));
    for (let i = plan.firstLeaf; writer.wants; i++) writer.addLeaf(fixture.orgEvents[i], fixture.payloads.get(fixture.orgEvents[i].id));
    const { manifest } = writer.finish();
    expect(seen.at(-1)![0]).toBe(BUNDLE_FILES.manifest);
    expect(seen.filter(([f]) => f === BUNDLE_FILES.events)).toHaveLength(manifest.counts.events);
    const eventsText = seen.filter(([f]) => f === BUNDLE_FILES.events).map(([, t]) => t).join('');
    expect(manifest.files[BUNDLE_FILES.events].bytes).toBe(Buffer.byteLength(eventsText));
  });

  it('fails closed: a leaf past the last checkpoint, a log that ends early, included content without its salt', () => {
    const plan = planned();
    const writer = new ExportBundleWriter(plan, header, fixture.keyEvents, () => undefined);
    expect(() => writer.finish()).toThrow(/the log ended at leaf 0, before its checkpoint/);
    for (let i = plan.firstLeaf; writer.wants; i++) writer.addLeaf(fixture.orgEvents[i], fixture.payloads.get(fixture.orgEvents[i].id));
    expect(() => writer.addLeaf(fixture.orgEvents[0])).toThrow(/past the bundle's last checkpoint/);
    const unsalted = new ExportBundleWriter(plan, header, fixture.keyEvents, () => undefined);
    const withPayload = fixture.orgEvents.find((e) => e.payload && fixture.payloads.get(e.id)?.state === 'present')!;
    for (let i = 0; fixture.orgEvents[i] !== withPayload; i++) unsalted.addLeaf(fixture.orgEvents[i], fixture.payloads.get(fixture.orgEvents[i].id));
    expect(() => unsalted.addLeaf(withPayload, { state: 'present', content: { q: 1 } })).toThrow(/without its salt/);
    // An event committing to a payload the store has no trace of.
    expect(() => new ExportBundleWriter(plan, header, [], () => undefined).addLeaf({ ...fixture.orgEvents[0], payload: withPayload.payload })).toThrow(/neither kept nor erased/);
  });
});
