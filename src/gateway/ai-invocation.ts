import { WardenError } from '../common/warden-error';

/**
 * The `_meta` key of SEP-2817's invocation context (client-asserted: it groups and attributes, it
 * never authorises). Checked against the SEP text, seps/2817-ai-invocation-audit-context.md in
 * modelcontextprotocol/modelcontextprotocol (PR #2817, draft of 2026-05-30): it defines
 * `invocationReason {text}`, `model {name}`, `userIntent {text?, redacted?}` and `turnId` (string),
 * and no workflow, task or session id (`sessionId` is one of its non-goals).
 */
export const AI_INVOCATION_META = 'io.modelcontextprotocol/aiInvocation';

/** The fields of the invocation context warden records; all client-asserted. */
export interface AiInvocation {
  /** warden's extension (not in SEP-2817): the workflow a call belongs to. */
  workflowId?: string;
  /** warden's extension (not in SEP-2817): the task a call belongs to, when no workflow is named. */
  taskId?: string;
  /** warden's extension (not in SEP-2817). */
  sessionId?: string;
  /** SEP-2817: the user turn that caused the request. */
  turnId?: string;
  /** SEP-2817 `model.name` (a bare string is read too, as clients sent it before the SEP fixed the shape). */
  model?: string;
}

const ID_FIELDS = ['workflowId', 'taskId', 'sessionId', 'turnId'] as const;
const MAX_LENGTH = 200;

/** A short printable string, or the refusal naming `field`. */
function idAt(value: unknown, field: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${field} must be a string of 1 to ${MAX_LENGTH} printable characters`, { field });
  }
  return value;
}

/** SEP-2817: `model` is `{ name }` (name required when model is present). */
function modelOf(value: unknown, field: string): string {
  if (typeof value === 'string') return idAt(value, field);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${field} must be an object with a name (SEP-2817)`, { field });
  }
  return idAt((value as Record<string, unknown>).name, `${field}.name`);
}

/**
 * Reads `_meta["io.modelcontextprotocol/aiInvocation"]`: the ids and the model name (other keys
 * are ignored). SEP-2817's free-text fields (`invocationReason`, `userIntent`) are not read: they
 * may carry personal data, and event data holds non-sensitive facts only. A present but
 * malformed context is bad input (EDGE.INVALID_PARAMS), never guessed at.
 * The workflow a call is attributed to: workflowId, else taskId.
 */
export function aiInvocationOf(meta: Record<string, unknown> | undefined): { aiInvocation?: AiInvocation; workflow?: string } {
  const raw = meta?.[AI_INVOCATION_META];
  if (raw === undefined) return {};
  const field = `params._meta.${AI_INVOCATION_META}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WardenError('bad_request', 'EDGE.INVALID_PARAMS', `${field} must be an object`, { field });
  }
  const context = raw as Record<string, unknown>;
  const invocation: AiInvocation = {};
  for (const key of ID_FIELDS) {
    const value = context[key];
    if (value !== undefined && value !== null) invocation[key] = idAt(value, `${field}.${key}`);
  }
  if (context.model !== undefined && context.model !== null) invocation.model = modelOf(context.model, `${field}.model`);
  const workflow = invocation.workflowId ?? invocation.taskId;
  return { ...(Object.keys(invocation).length > 0 ? { aiInvocation: invocation } : {}), ...(workflow !== undefined ? { workflow } : {}) };
}
