/**
 * The origin line of an org's checkpoints, `<deployment>/<org>`, is also the note key's name.
 * The deployment is WARDEN_LOG_ORIGIN, or `warden.local/<the root key id's first 16 hex digits>`.
 */
export function deploymentName(configured: string | undefined, rootKid: string): string {
  return configured ?? `warden.local/${rootKid.replace(/^ed25519:/, '').slice(0, 16)}`;
}

export function originOf(deployment: string, org: string): string {
  return `${deployment}/${org}`;
}

/** The org a checkpoint origin names (the part after the last slash); undefined when there is none. */
export function orgOfOrigin(origin: string): string | undefined {
  const at = origin.lastIndexOf('/');
  return at > 0 && at < origin.length - 1 ? origin.slice(at + 1) : undefined;
}
