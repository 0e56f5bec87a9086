/**
 * A signed checkpoint of an organisation's Merkle log is itself an event, on the stream
 * `checkpoints-<org>` of that org (so it becomes a later leaf of the very log it commits to).
 * data: { org, size, root (base64, as in the note), note (the C2SP signed note) }.
 */
export const CHECKPOINT_SIGNED = 'CheckpointSigned';
export const CHECKPOINT_STREAM_PREFIX = 'checkpoints-';

export const checkpointStream = (org: string): string => `${CHECKPOINT_STREAM_PREFIX}${org}`;

export interface CheckpointSignedData {
  org: string;
  size: number;
  root: string;
  note: string;
}
