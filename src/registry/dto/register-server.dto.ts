import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
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

  @ApiProperty({ example: 'http://127.0.0.1:3001/mcp', description: 'Streamable HTTP endpoint of the upstream MCP server.' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ type: CredentialDto, description: 'The server’s credential, for discovery and every later call; stored in the vault, never echoed.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialDto)
  credential?: CredentialDto;
}
