/**
 * Shape checks for read-model states read back from a snapshot: a state that is not what this
 * build writes is refused (SnapshotShapeError), and the node replays in full instead.
 */
export class SnapshotShapeError extends Error {
  constructor(where: string, expected: string) {
    super(`snapshot state ${where}: expected ${expected}`);
    this.name = 'SnapshotShapeError';
  }
}

export function arrayAt(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new SnapshotShapeError(where, 'an array');
  return value;
}

export function recordAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SnapshotShapeError(where, 'an object');
  return value as Record<string, unknown>;
}

export function numberAt(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SnapshotShapeError(where, 'a finite number');
  return value;
}

export function stringAt(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new SnapshotShapeError(where, 'a string');
  return value;
}

/** [key, value] pairs (a Map's entries as JSON), the key a string. */
export function pairsAt(value: unknown, where: string): Array<[string, unknown]> {
  return arrayAt(value, where).map((pair, i) => {
    const entry = arrayAt(pair, `${where}[${i}]`);
    if (entry.length !== 2) throw new SnapshotShapeError(`${where}[${i}]`, 'a [key, value] pair');
    return [stringAt(entry[0], `${where}[${i}][0]`), entry[1]];
  });
}
