import type Database from 'better-sqlite3';

/** Stream names from `from` (inclusive) to `to` (exclusive), in SQLite's BINARY order. */
export interface StreamRange {
  from: string;
  to: string;
}

/**
 * Index entries a range read may scan for each row a scan of the log would read instead: one
 * entry of the (stream, revision) index costs a few per cent of a row read with its JSON
 * (measured here: ~0.07 µs an entry, ~1.6 µs a 1-KiB row).
 */
const INDEX_ENTRIES_PER_ROW = 16;

/**
 * The range of the stream names that start with `prefix`: [prefix, prefix with its last code
 * point incremented). SQLite compares TEXT by its UTF-8 bytes, which order as code points do, so
 * the range holds exactly those names. Undefined when there is no such bound (a prefix of
 * U+10FFFF only).
 */
export function prefixRange(prefix: string): StreamRange | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last >= 0x10ffff) continue; // no code point after it: the bound moves to the one before
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // surrogates are not code points of UTF-8 text
    return { from: prefix, to: String.fromCodePoint(...points, next) };
  }
  return undefined;
}

/** The ranges of a set of prefixes, disjoint (a prefix inside a shorter one adds nothing); undefined if one has no bound. */
export function prefixRanges(prefixes: readonly string[]): StreamRange[] | undefined {
  const kept = [...new Set(prefixes)].filter((prefix, _, all) => !all.some((other) => other !== prefix && prefix.startsWith(other)));
  const ranges = kept.map(prefixRange);
  return ranges.every((range) => range !== undefined) ? (ranges as StreamRange[]) : undefined;
}

/**
 * Reads the positions of the rows of some streams, by stream name range on the (stream,
 * revision) index, without reading any row of the log: what a filtered catch-up over a log made
 * mostly of other streams reads instead of every row (see SqliteEventLog.readPage).
 */
export class StreamPrefixReader {
  private readonly selectRowCount: Database.Statement<[string, string], number>;
  private readonly selectPositions: Database.Statement<[string, string, number, number, number], number>;

  constructor(db: Database.Database) {
    // Every stream's head revision: a range's streams hold sum(revision + 1) rows.
    this.selectRowCount = db.prepare<[string, string], number>('SELECT COALESCE(SUM(revision + 1), 0) FROM streams WHERE stream >= ? AND stream < ?').pluck();
    // `+position`: the position bounds must not pick the rowid scan (every row); the covering index
    // is read for the range, sorted by position (a top-N sort of positions, no row read).
    this.selectPositions = db
      .prepare<[string, string, number, number, number], number>('SELECT position FROM events WHERE stream >= ? AND stream < ? AND +position > ? AND +position <= ? ORDER BY position LIMIT ?')
      .pluck();
  }

  /**
   * Whether reading the ranges' positions (each page scans every index entry of the ranges) costs
   * less than scanning the `span` rows of the log a page-by-page scan would read.
   */
  cheaperThanScan(ranges: readonly StreamRange[], span: number, maxCount: number): boolean {
    const wanted = ranges.reduce((sum, range) => sum + this.selectRowCount.get(range.from, range.to)!, 0);
    const pages = maxCount < 0 ? 1 : Math.max(1, Math.ceil(wanted / maxCount));
    return wanted * pages <= INDEX_ENTRIES_PER_ROW * span;
  }

  /**
   * The first maxCount positions (all if maxCount < 0) in (afterPosition, upTo] of rows of the
   * ranges, ascending. `complete`: they are all of them, up to `upTo`.
   */
  positions(ranges: readonly StreamRange[], afterPosition: number, upTo: number, maxCount: number): { positions: number[]; complete: boolean } {
    let complete = true;
    const merged: number[] = [];
    for (const range of ranges) {
      const found = this.selectPositions.all(range.from, range.to, afterPosition, upTo, maxCount);
      if (maxCount >= 0 && found.length >= maxCount) complete = false; // the range may hold more
      merged.push(...found);
    }
    merged.sort((a, b) => a - b); // disjoint ranges: no position twice
    if (maxCount >= 0 && merged.length > maxCount) return { positions: merged.slice(0, maxCount), complete: false };
    return { positions: merged, complete };
  }
}
