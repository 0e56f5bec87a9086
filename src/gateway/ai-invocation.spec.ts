import { WardenError } from '../common/warden-error';
import { AI_INVOCATION_META, aiInvocationOf } from './ai-invocation';

const meta = (value: unknown) => ({ [AI_INVOCATION_META]: value });

const refusal = (value: unknown): WardenError => {
  try {
    aiInvocationOf(meta(value));
  } catch (error) {
    return error as WardenError;
  }
  throw new Error('expected a refusal');
};

describe('aiInvocationOf (SEP-2817 audit context)', () => {
  it('accepts the SEP-2817 example as written: model is an object with a name; the free-text fields are not recorded', () => {
    const sep = {
      invocationReason: { text: 'The user asked to view employee rows.' },
      model: { name: 'example-model' },
      userIntent: { text: 'Show me 10 employees', redacted: false },
      turnId: '2f4f0c9e-8d72-4c66-9c6f-3f7f3e6a1c9f',
    };
    expect(aiInvocationOf(meta(sep))).toEqual({ aiInvocation: { model: 'example-model', turnId: '2f4f0c9e-8d72-4c66-9c6f-3f7f3e6a1c9f' } });
  });

  it('a userIntent withheld for privacy (redacted, no text) is not malformed', () => {
    expect(aiInvocationOf(meta({ userIntent: { redacted: true }, turnId: 't-1' }))).toEqual({ aiInvocation: { turnId: 't-1' } });
  });

  it('still reads a model given as a bare string (clients written before the SEP fixed the shape)', () => {
    expect(aiInvocationOf(meta({ model: 'm-1' }))).toEqual({ aiInvocation: { model: 'm-1' } });
  });

  it('attributes the workflow to workflowId, else taskId (warden extensions: SEP-2817 defines neither)', () => {
    expect(aiInvocationOf(meta({ workflowId: 'wf', taskId: 'task' })).workflow).toBe('wf');
    expect(aiInvocationOf(meta({ taskId: 'task', turnId: 'turn' })).workflow).toBe('task');
    expect(aiInvocationOf(meta({ turnId: 'turn' })).workflow).toBeUndefined();
  });

  it('refuses a model object without a name, naming the field', () => {
    const error = refusal({ model: {} });
    expect(error).toBeInstanceOf(WardenError);
    expect(error.code).toBe('EDGE.INVALID_PARAMS');
    expect(error.details.field).toBe(`params._meta.${AI_INVOCATION_META}.model.name`);
    expect(refusal({ model: { name: 7 } }).details.field).toBe(`params._meta.${AI_INVOCATION_META}.model.name`);
    expect(refusal({ model: 7 }).details.field).toBe(`params._meta.${AI_INVOCATION_META}.model`);
  });

  it('refuses a context that is not an object, and ids with control characters', () => {
    expect(refusal('x').details.field).toBe(`params._meta.${AI_INVOCATION_META}`);
    expect(refusal({ turnId: 'a\nb' }).details.field).toBe(`params._meta.${AI_INVOCATION_META}.turnId`);
  });

  it('no context: nothing recorded', () => {
    expect(aiInvocationOf(undefined)).toEqual({});
    expect(aiInvocationOf({})).toEqual({});
  });
});
