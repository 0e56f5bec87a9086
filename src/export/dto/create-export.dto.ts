import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

export class CreateExportDto {
  @ApiPropertyOptional({ description: 'The organisation to export: when given, it must be the caller\'s own' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  org?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Events at or after this time (RFC 3339 UTC); default: from the first' })
  @IsOptional()
  @Matches(RFC3339, { message: 'from must be an RFC 3339 UTC time (…Z)' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-01T23:59:59.999999Z', description: 'Events at or before this time; default: up to the latest checkpoint' })
  @IsOptional()
  @Matches(RFC3339, { message: 'to must be an RFC 3339 UTC time (…Z)' })
  to?: string;

  @ApiPropertyOptional({ description: 'Include the plaintext payloads (tool arguments, results); digests are always included' })
  @IsOptional()
  @IsBoolean()
  payloads?: boolean;
}
