import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { ServersReadModel } from '../registry/servers.read-model';
import { AdminAuthGuard } from '../tenancy/admin-auth.guard';
import { CurrentAdmin } from '../tenancy/current-admin.decorator';
import type { AdminPrincipal } from '../tenancy/organisations.read-model';
import { CredentialVault } from './credential-vault';
import { CredentialsReadModel } from './credentials.read-model';
import { CredentialDto } from './dto/credential.dto';

/** A server's credential: set, rotated and removed by its organisation's admins; never shown. */
@ApiTags('credentials')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('v1/servers/:serverId/credential')
export class CredentialsController {
  constructor(
    private readonly vault: CredentialVault,
    private readonly credentials: CredentialsReadModel,
    private readonly servers: ServersReadModel,
  ) {}

  @Put()
  @HttpCode(204)
  async set(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string, @Body() body: CredentialDto): Promise<void> {
    this.serverOf(admin, serverId);
    await this.vault.set(admin.orgId, serverId, { ...body }, { kind: 'user', id: admin.keyId });
  }

  /** A new secret, same scheme: the next calls use it; calls in flight finish with the old one. */
  @Post('rotate')
  @HttpCode(204)
  async rotate(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string, @Body() body: CredentialDto): Promise<void> {
    this.serverOf(admin, serverId);
    await this.vault.rotate(admin.orgId, serverId, { ...body }, { kind: 'user', id: admin.keyId });
  }

  @Delete()
  @HttpCode(204)
  async remove(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string): Promise<void> {
    this.serverOf(admin, serverId);
    await this.vault.remove(admin.orgId, serverId, { kind: 'user', id: admin.keyId });
  }

  /** Scheme, version, keyed fingerprint and when it was set: never any character of the secret. */
  @Get()
  show(@CurrentAdmin() admin: AdminPrincipal, @Param('serverId') serverId: string) {
    this.serverOf(admin, serverId);
    const active = this.credentials.get(admin.orgId, serverId);
    if (!active) throw new WardenError('not_found', 'VAULT.NO_CREDENTIAL', 'this server has no credential');
    return { serverId, scheme: active.scheme, version: active.version, fingerprint: active.fingerprint, createdAt: active.createdAt };
  }

  private serverOf(admin: AdminPrincipal, serverId: string) {
    const server = this.servers.get(admin.orgId, serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
    return server;
  }
}
