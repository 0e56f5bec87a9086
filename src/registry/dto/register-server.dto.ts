import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

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
}
