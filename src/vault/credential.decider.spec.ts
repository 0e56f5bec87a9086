import { credentialDecider, type CredentialCommand } from './credential.decider';
import type { VaultEvent } from './vault.events';

const given = (events: VaultEvent[]) => events.reduce(credentialDecider.evolve, credentialDecider.initialState());
const when = (events: VaultEvent[], command: CredentialCommand) => credentialDecider.decide(command, given(events));
const set = (version: number, scheme: 'bearer' | 'api_key' = 'bearer'): VaultEvent => ({ type: 'CredentialSet', data: { serverId: 's', scheme, version, fingerprint: `#${version}` } });

describe('credential decider', () => {
  it('sets version 1 first, then rotates to 2 naming the previous version', () => {
    expect(when([], { type: 'SetCredential', serverId: 's', version: 1, scheme: 'bearer', fingerprint: '#1' })).toEqual([set(1)]);
    expect(when([set(1)], { type: 'RotateCredential', serverId: 's', version: 2, scheme: 'bearer', fingerprint: '#2' })).toEqual([
      { type: 'CredentialRotated', data: { serverId: 's', scheme: 'bearer', version: 2, fingerprint: '#2', previousVersion: 1 } },
    ]);
  });

  it('never reuses a version, even after removal (a version names one ciphertext)', () => {
    const removed: VaultEvent = { type: 'CredentialRemoved', data: { serverId: 's', version: 1 } };
    expect(() => when([set(1), removed], { type: 'SetCredential', serverId: 's', version: 1, scheme: 'bearer', fingerprint: '#' })).toThrow(
      expect.objectContaining({ code: 'VAULT.CONCURRENT_CHANGE' }),
    );
    expect(when([set(1), removed], { type: 'SetCredential', serverId: 's', version: 2, scheme: 'bearer', fingerprint: '#2' })).toEqual([set(2)]);
  });

  it('refuses to rotate nothing, to rotate into another scheme, and to remove nothing', () => {
    expect(() => when([], { type: 'RotateCredential', serverId: 's', version: 1, scheme: 'bearer', fingerprint: '#' })).toThrow(expect.objectContaining({ code: 'VAULT.NO_CREDENTIAL' }));
    expect(() => when([set(1)], { type: 'RotateCredential', serverId: 's', version: 2, scheme: 'api_key', fingerprint: '#' })).toThrow(
      expect.objectContaining({ code: 'VAULT.SCHEME_MISMATCH' }),
    );
    expect(() => when([], { type: 'RemoveCredential', serverId: 's' })).toThrow(expect.objectContaining({ code: 'VAULT.NO_CREDENTIAL' }));
  });
});
