import type { Gate } from '../../gateway/tool-call/gate';

/**
 * A capability token narrows what its agent may do: the call must be to the token's server and
 * one of its tools. Without a token (the agent's own key) this gate does not apply. The agent's
 * own permissions are checked by the other gates all the same: a token never widens them.
 */
export const tokenScopeGate: Gate = {
  name: 'token-scope',
  evaluate({ token, server, toolName }) {
    if (!token) return { decision: 'allow', gate: this.name, code: 'GATE.NOT_APPLICABLE' };
    if (!server || server.serverId !== token.server) {
      return { decision: 'deny', gate: this.name, code: 'GATE.TOKEN_SCOPE', detail: 'the capability token is for another server' };
    }
    if (toolName === undefined || !token.tools.includes(toolName)) {
      return { decision: 'deny', gate: this.name, code: 'GATE.TOKEN_SCOPE', detail: 'the capability token does not allow this tool' };
    }
    return { decision: 'allow', gate: this.name, code: 'GATE.OK' };
  },
};
