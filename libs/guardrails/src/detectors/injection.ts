import { matchesOf, type Detection } from '../detection';

/* Linear-time argument: every phrase pattern has a bounded total length (bounded repetitions of
 * words and of whitespace, no nested unbounded quantifier), so each start position costs a constant.
 * Hidden-text carriers (HTML comments, link titles, base64) are found with indexOf or run-anchored
 * patterns and scanned once. */

const W = '\\s{1,3}';
const FILLER = `(?:(?:all|any|the|your|my|these|those|of|previous|prior|above|earlier|preceding|former|system|existing|original|current)${W}){1,5}`;
const OVERRIDE = new RegExp(
  `\\b(?:ignore|disregard|forget|override|bypass|skip)${W}${FILLER}(?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails|constraints|context|messages?)\\b` +
    `|\\b(?:do${W}not|don'?t)${W}(?:follow|obey)${W}${FILLER}(?:instructions?|rules|guidelines)\\b` +
    `|\\bnew${W}(?:system${W})?instructions?\\s{0,3}:`,
  'gi',
);
const ROLE_HIJACK = new RegExp(
  `\\byou${W}are${W}(?:now|no${W}longer)${W}(?:a|an|the|in|my|DAN|free|unrestricted|jailbroken)\\b` +
    `|\\b(?:pretend|act)${W}(?:to${W}be|as${W}if${W}you${W}(?:are|were)|as)${W}(?:an?${W})?(?:unrestricted|unfiltered|jailbroken|evil|DAN|system|administrator|root)\\b` +
    `|\\b(?:reveal|print|show|output|repeat|display|leak|dump)${W}(?:me${W})?(?:your|the)${W}(?:full${W}|entire${W}|hidden${W}|original${W})?(?:system${W}prompt|initial${W}instructions|hidden${W}instructions|developer${W}message)\\b` +
    `|\\b(?:enter|enable|activate)${W}(?:developer|god|jailbreak|DAN)${W}mode\\b` +
    `|<\\|im_start\\|>|<\\|system\\|>|\\[INST\\]|<<SYS>>` +
    `|(?:^|\\n)[ \\t]{0,8}#{0,3}[ \\t]{0,3}(?:system|SYSTEM)[ \\t]{0,3}(?:prompt|message|override)?[ \\t]{0,3}:[ \\t]{0,3}(?:you|ignore|from${W}now|always|never)\\b`,
  'gi',
);
const TOOL_REQUEST = new RegExp(
  `\\b(?:call|invoke|use|run|execute|trigger)${W}(?:the${W})?(?:\\w{1,40}${W})?(?:tool|function)${W}(?:\\w{1,40}${W}){0,3}(?:with|to|and|immediately|now|without)\\b` +
    `|\\b(?:call|invoke|run|execute)${W}(?:the${W})?[\`'"]?[a-z][a-z0-9]{1,40}_[a-z0-9_]{1,40}[\`'"]?${W}(?:tool${W})?(?:with|immediately|now|without|silently)\\b` +
    `|\\bwithout${W}(?:telling|informing|asking|notifying)${W}(?:the${W})?user\\b` +
    `|\\b(?:do${W}not|don'?t|never)${W}(?:tell|inform|mention${W}(?:this${W})?to|alert)${W}(?:the${W})?user\\b`,
  'gi',
);
const EXFILTRATION = new RegExp(
  `\\b(?:send|forward|post|upload|email|exfiltrate|transmit|leak|copy|paste)${W}(?:\\w{1,30}${W}){0,5}(?:to|at|into)${W}(?:https?://|[\\w.+-]{1,64}@[\\w-]{1,63}\\.|this${W}(?:url|address|endpoint|webhook)|the${W}following${W}(?:url|address|endpoint|webhook)|my${W}(?:server|webhook|endpoint))` +
    `|\\b(?:append|include|embed)${W}(?:\\w{1,30}${W}){0,4}(?:api${W}keys?|credentials|secrets?|passwords?|tokens?|conversation|chat${W}history)${W}(?:\\w{1,30}${W}){0,3}(?:url|query|link|image)`,
  'gi',
);

/** Injection phrasing in plain text. */
export function detectInjectionPhrases(text: string): Detection[] {
  return [
    ...matchesOf(text, OVERRIDE, 'instruction_override'),
    ...matchesOf(text, ROLE_HIJACK, 'role_hijack'),
    ...matchesOf(text, TOOL_REQUEST, 'tool_request'),
    ...matchesOf(text, EXFILTRATION, 'exfiltration'),
  ];
}

const LINK_TITLE = /\s"([^"\n]{1,1024})"[ \t]{0,3}\)/g;
const BASE64_RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{24,65536}={0,2}(?![A-Za-z0-9+/=_-])/g;

/** Text hidden where a reader does not see it: HTML comments, markdown link titles, base64. Each carrier found is flagged if its text is an injection. */
function hiddenInstructions(text: string): Detection[] {
  const out: Detection[] = [];
  const carrier = (start: number, end: number, hidden: string) => {
    if (detectInjectionPhrases(hidden).length > 0) out.push({ start, end, kind: 'hidden_instruction' });
  };
  for (let at = text.indexOf('<!--'); at >= 0; ) {
    const close = text.indexOf('-->', at + 4);
    if (close < 0) {
      carrier(at, text.length, text.slice(at + 4));
      break;
    }
    carrier(at, close + 3, text.slice(at + 4, close));
    at = text.indexOf('<!--', close + 3);
  }
  LINK_TITLE.lastIndex = 0;
  for (let m = LINK_TITLE.exec(text); m !== null; m = LINK_TITLE.exec(text)) {
    const link = text.lastIndexOf('](', m.index);
    if (link >= 0 && m.index - link < 2050 && !/\s/.test(text.slice(link + 2, m.index))) carrier(m.index + 1, m.index + m[0].length, m[1]);
  }
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(text); m !== null; m = BASE64_RUN.exec(text)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    // Only text: binary decodes to replacement characters and control bytes.
    if (/[\uFFFD\u0000-\u0008\u000E-\u001F]/.test(decoded)) continue;
    carrier(m.index, m.index + m[0].length, decoded);
  }
  return out;
}

export function detectPromptInjection(text: string): Detection[] {
  return [...detectInjectionPhrases(text), ...hiddenInstructions(text)];
}

const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]+/gu;
const BIDI_OVERRIDES = /[\u202A-\u202E\u2066-\u2069]+/g;
// Runs of two or more: a single zero-width joiner belongs in emoji sequences, a single BOM at the start of text.
const ZERO_WIDTH_RUN = /[\u200B-\u200D\u2060\u2062-\u2064\uFEFF]{2,}/g;

/** A subdivision flag (🏴 + tag letters/digits + cancel tag, e.g. England) is the one legitimate use of tag characters. */
function flagSequence(text: string, m: RegExpExecArray): boolean {
  return text.codePointAt(m.index - 2) === 0x1f3f4 && /^(?:[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6})\u{E007F}$/u.test(m[0]);
}

export function detectInvisibleUnicode(text: string): Detection[] {
  return [...matchesOf(text, TAG_CHARACTERS, 'unicode_tag_characters', (m) => !flagSequence(text, m)), ...matchesOf(text, BIDI_OVERRIDES, 'bidi_override'), ...matchesOf(text, ZERO_WIDTH_RUN, 'zero_width_run')];
}
