import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_DETECTORS } from '@warden/guardrails';

/** Precision and recall floors per detector (stated in the README, section Guardrails). */
const FLOORS: Record<string, { precision: number; recall: number }> = {
  secrets: { precision: 0.95, recall: 0.95 },
  email: { precision: 0.95, recall: 0.95 },
  phone: { precision: 0.9, recall: 0.9 },
  payment_card: { precision: 1, recall: 1 },
  iban: { precision: 1, recall: 1 },
  us_ssn: { precision: 1, recall: 1 },
  ip_address: { precision: 0.9, recall: 0.9 },
  prompt_injection: { precision: 0.9, recall: 0.9 },
  invisible_unicode: { precision: 1, recall: 1 },
};

const CORPUS = join(__dirname, 'corpora', 'guardrails');
const unescape = (text: string) => text.replace(/\\n/g, '\n').replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));

function corpusOf(detector: string): Array<{ positive: boolean; text: string; line: number }> {
  return readFileSync(join(CORPUS, `${detector}.txt`), 'utf8')
    .split('\n')
    .map((raw, index) => ({ raw, line: index + 1 }))
    .filter(({ raw }) => raw.startsWith('+ ') || raw.startsWith('- '))
    .map(({ raw, line }) => ({ positive: raw.startsWith('+'), text: unescape(raw.slice(2)), line }));
}

describe('guardrail detector quality on the labelled corpus', () => {
  it('has a corpus file and a floor for every built-in detector', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).map((f) => f.replace(/\.txt$/, '')).sort();
    expect(files).toEqual(Object.keys(BUILT_IN_DETECTORS).sort());
    expect(Object.keys(FLOORS).sort()).toEqual(files);
  });

  it.each(Object.keys(FLOORS))('%s meets its precision and recall floors', (detector) => {
    const cases = corpusOf(detector);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    for (const c of cases) {
      const fired = BUILT_IN_DETECTORS[detector](c.text).length > 0;
      if (fired && c.positive) tp += 1;
      else if (fired) {
        fp += 1;
        misses.push(`line ${c.line}: false positive`);
      } else if (c.positive) {
        fn += 1;
        misses.push(`line ${c.line}: missed`);
      }
    }
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    const positives = cases.filter((c) => c.positive).length;
    process.stdout.write(
      `guardrails ${detector.padEnd(18)} precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (${positives} positives, ${cases.length - positives} hard negatives)${misses.length ? `; ${misses.join(', ')}` : ''}\n`,
    );
    expect(positives).toBeGreaterThanOrEqual(8);
    expect(cases.length - positives).toBeGreaterThanOrEqual(8);
    expect({ detector, precision: precision >= FLOORS[detector].precision, recall: recall >= FLOORS[detector].recall, misses }).toEqual({ detector, precision: true, recall: true, misses: expect.any(Array) });
  });
});
