/** Bad usage, or nothing to verify where the options point: the CLI exits 2. */
export class UsageError extends Error {}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
