import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHES } from '../bench/benches';

/** `npm run bench -- <name>` finds every benchmark: a merge once left `forensics` inside the usage text instead of the registry. */
describe('the benchmark registry', () => {
  const dir = join(__dirname, '..', 'bench');
  const declared = readdirSync(dir)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => ({ file, name: /export const \w+_BENCH = '([\w-]+)'/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] }));

  it('registers each *.bench.ts under the name it exports, once', () => {
    expect(declared.length).toBeGreaterThan(10);
    for (const { file, name } of declared) {
      expect({ file, name }).toEqual({ file, name: expect.any(String) });
      expect({ file, registered: BENCHES.filter((b) => b.name === name).length }).toEqual({ file, registered: 1 });
    }
  });

  it('names every benchmark in the usage text', () => {
    const usage = /const USAGE = `usage: node dist\/bench\/run\.js \[([^\]]*) …\]/.exec(readFileSync(join(dir, 'run.ts'), 'utf8'))?.[1].split('|') ?? [];
    for (const bench of BENCHES) expect([bench.name, ...bench.aliases].some((n) => usage.includes(n))).toBe(true);
  });
});
