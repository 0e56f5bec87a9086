import type { DetectFn } from '../detection';
import { detectInvisibleUnicode, detectPromptInjection } from './injection';
import { detectEmail, detectIban, detectIpAddress, detectPaymentCard, detectPhone, detectSsn } from './pii';
import { detectSecrets } from './secrets';

/** The built-in detectors by id: what a rule's `detector` names. */
export const BUILT_IN_DETECTORS: Readonly<Record<string, DetectFn>> = {
  secrets: detectSecrets,
  email: detectEmail,
  phone: detectPhone,
  payment_card: detectPaymentCard,
  iban: detectIban,
  us_ssn: detectSsn,
  ip_address: detectIpAddress,
  prompt_injection: detectPromptInjection,
  invisible_unicode: detectInvisibleUnicode,
};

/** Groups a rule may name instead of one detector. */
export const DETECTOR_GROUPS: Readonly<Record<string, readonly string[]>> = {
  pii: ['email', 'phone', 'payment_card', 'iban', 'us_ssn', 'ip_address'],
  injection: ['prompt_injection', 'invisible_unicode'],
};

export { detectSecrets } from './secrets';
export { detectEmail, detectPhone, detectPaymentCard, detectIban, detectSsn, detectIpAddress } from './pii';
export { detectPromptInjection, detectInvisibleUnicode, detectInjectionPhrases } from './injection';
