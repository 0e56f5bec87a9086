import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { ServersReadModel, type RegisteredServer } from '../registry/servers.read-model';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { actorOf } from '../identity/principal-actor';
import { Roles } from '../identity/route-access';
import { CredentialVault } from './credential-vault';
import { CredentialsReadModel } from './credentials.read-model';
import { CredentialDto } from './dto/credential.dto';

/** A server's credential: set, rotated and removed by its organisation's admins; never shown. */
@ApiTags('credentials')
@Roles('operator', 'admin')
@Controller('v1/servers/:serverId/credential')
export class CredentialsController {
  constructor(
    private readonly vault: CredentialVault,
    private readonly credentials: CredentialsReadModel,
    private readonly servers: ServersReadModel,
  ) {}

  @Put()
  @HttpCode(204)
  async set(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Body() body: CredentialDto): Promise<void> {
    schemeFits(this.serverOf(admin, serverId), body.scheme);
    await this.vault.set(admin.orgId, serverId, { ...body }, actorOf(admin));
  }

  /** A new secret, same scheme: the next calls use it; calls in flight finish with the old one. */
  @Post('rotate')
  @HttpCode(204)
  async rotate(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string, @Body() body: CredentialDto): Promise<void> {
    schemeFits(this.serverOf(admin, serverId), body.scheme);
    await this.vault.rotate(admin.orgId, serverId, { ...body }, actorOf(admin));
  }

  @Delete()
  @HttpCode(204)
  async remove(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string): Promise<void> {
    this.serverOf(admin, serverId);
    await this.vault.remove(admin.orgId, serverId, actorOf(admin));
  }

  /** Scheme, version, keyed fingerprint and when it was set: never any character of the secret. */
  @Get()
  show(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string) {
    this.serverOf(admin, serverId);
    const active = this.credentials.get(admin.orgId, serverId);
    if (!active) throw new WardenError('not_found', 'VAULT.NO_CREDENTIAL', 'this server has no credential');
    return { serverId, scheme: active.scheme, version: active.version, fingerprint: active.fingerprint, createdAt: active.createdAt };
  }

  private serverOf(admin: UserPrincipal, serverId: string) {
    const server = this.servers.get(admin.orgId, serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
    return server;
  }
}

/** A stdio server's credential is its environment (scheme env); an http server cannot use that scheme. */
function schemeFits(server: RegisteredServer, scheme: string | undefined): void {
  if (scheme === undefined) return;
  if (server.stdio ? scheme !== 'env' : scheme === 'env') {
    const message = server.stdio ? 'a stdio server takes only an env credential (its environment)' : 'an env credential is for stdio servers';
    throw new WardenError('bad_request', 'VAULT.INVALID_CREDENTIAL', message, { field: 'scheme' });
  }
}
