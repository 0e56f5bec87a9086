import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CredentialDto } from '../../vault/dto/credential.dto';

export class RegisterServerDto {
  @ApiProperty({ example: 'Notes' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ example: 'notes', description: 'Prefix of the server’s tools on the aggregated /mcp endpoint; default: derived from name.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, { message: 'slug must be 1-40 lowercase letters, digits or inner hyphens' })
  slug?: string;

  @ApiPropertyOptional({ enum: ['http', 'stdio'], description: 'http (default): `url` is the upstream. stdio: warden runs `command` as a child process (operators only; it runs with warden’s privileges).' })
  @IsOptional()
  @IsIn(['http', 'stdio'])
  transport?: 'http' | 'stdio';

  @ApiPropertyOptional({ example: 'http://127.0.0.1:3001/mcp', description: 'http: Streamable HTTP (or 2024-11-05 SSE) endpoint of the upstream MCP server.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ example: '/usr/bin/node', description: 'stdio: an absolute executable path, or a program name resolved on warden’s PATH at registration (the absolute path is recorded). Never run through a shell.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  command?: string;

  @ApiPropertyOptional({ type: [String], example: ['server.js'], description: 'stdio: fixed arguments, passed as they are (no shell, nothing from agents).' })
  @IsOptional()
  @IsArray()
  args?: unknown[];

  @ApiPropertyOptional({ example: '/srv/mcp/notes', description: 'stdio: absolute working directory (default: warden’s).' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cwd?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'stdio: environment variables for the child, stored in the vault as its `env` credential (only the names are recorded).' })
  @IsOptional()
  @IsObject()
  env?: Record<string, unknown>;

  @ApiPropertyOptional({ type: CredentialDto, description: 'The server’s credential, for discovery and every later call; stored in the vault, never echoed.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialDto)
  credential?: CredentialDto;
}
