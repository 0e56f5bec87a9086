import { WardenError } from '../common/warden-error';

/** The `_meta` key of SEP-2817's invocation context (client-asserted: it groups and attributes, it never authorises). */
export const AI_INVOCATION_META = 'io.modelcontextprotocol/aiInvocation';

/** The fields of the invocation context warden records; all client-asserted. */
export interface AiInvocation {
  workflowId?: string;
  taskId?: string;
  sessionId?: string;
  turnId?: string;
  model?: string;
}

const FIELDS = ['workflowId', 'taskId', 'sessionId', 'turnId', 'model'] as const;
const MAX_LENGTH = 200;

/**
 * Reads `_meta["io.modelcontextprotocol/aiInvocation"]`: the known string fields (other keys are
 * ignored). A present but malformed context is bad input (EDGE.INVALID_PARAMS), never guessed at.
 * The workflow a call is attributed to: workflowId, else taskId.
 */
export function aiInvocationOf(meta: Record<string, unknown> | undefined): { aiInvocation?: AiInvocation; workflow?: string } {
  const raw = meta?.[AI_INVOCATION_META];
  if (raw === undefined) return {};
  const field = `params._meta.${AI_INVOCATION_META}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${field} must be an object`, { field });
  }
  const invocation: AiInvocation = {};
  for (const key of FIELDS) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    // eslint-disable-next-line no-control-regex
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${field}.${key} must be a string of 1 to ${MAX_LENGTH} printable characters`, { field: `${field}.${key}` });
    }
    invocation[key] = value;
  }
  const workflow = invocation.workflowId ?? invocation.taskId;
  return { ...(Object.keys(invocation).length > 0 ? { aiInvocation: invocation } : {}), ...(workflow !== undefined ? { workflow } : {}) };
}
