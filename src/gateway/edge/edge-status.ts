import { HTTP_STATUS_OF, WardenError } from '../../common/warden-error';

/** Transport refusals with an HTTP status of their own; everything else gets its kind's. */
const STATUS_BY_CODE: Record<string, number> = {
  'EDGE.NOT_ACCEPTABLE': 406,
  'EDGE.PAYLOAD_TOO_LARGE': 413,
};

export function edgeStatusOf(error: unknown): number {
  if (!(error instanceof WardenError)) return 500;
  return STATUS_BY_CODE[error.code] ?? HTTP_STATUS_OF[error.kind];
}
