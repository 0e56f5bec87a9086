/** The root's events (pure constants: the export verifier imports them without node:crypto). */
export const KEY_REGISTERED_TYPE = 'KeyRegistered';
/** Root-signed, on KEY_STREAM: data { kid, reason, supersededBy? }. The kid signs nothing after it. */
export const KEY_REVOKED_TYPE = 'KeyRevoked';
export const KEY_STREAM = 'platform-keys';
