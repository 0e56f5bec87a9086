/**
 * Exporting is evidence too: every export of an organisation's ledger is recorded, before the
 * bundle is handed out, as an ExportCreated event on `exports-<org>` (who, which range, with or
 * without plaintext payloads, and the SHA-256 of the manifest that digests every file).
 */
export const EXPORT_CREATED = 'ExportCreated';
export const EXPORT_STREAM_PREFIX = 'exports-';

export const exportStream = (org: string): string => `${EXPORT_STREAM_PREFIX}${org}`;

export interface ExportCreatedData {
  from: string | null;
  to: string | null;
  payloads: boolean;
  firstLeaf: number;
  events: number;
  /** Events in the range that no checkpoint covered yet, left out. */
  uncovered: number;
  checkpoints: number;
  manifestSha256: string;
}
