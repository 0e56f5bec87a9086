import { registerDecorator, type ValidationOptions } from 'class-validator';

export const MAX_LABELS = 64;
/** Label keys are CEL identifiers (`agent.labels.team`), values short strings. */
const LABEL_KEY = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_VALUE_LENGTH = 256;

export function isAgentLabels(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_LABELS &&
    entries.every(([k, v]) => LABEL_KEY.test(k) && typeof v === 'string' && v.length <= MAX_VALUE_LENGTH && !/[\u0000-\u001f]/.test(v))
  );
}

export function IsAgentLabels(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAgentLabels',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `labels must be an object of at most ${MAX_LABELS} entries, keys like "team" (a-z, 0-9, _; starting with a letter), values strings of at most ${MAX_VALUE_LENGTH} characters`,
        ...options,
      },
      validator: { validate: isAgentLabels },
    });
}
