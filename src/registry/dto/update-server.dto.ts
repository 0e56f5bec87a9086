import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** PATCH: only the fields present change. The slug stays (agents address tools by it). */
export class UpdateServerDto {
  @ApiPropertyOptional({ example: 'Notes' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ example: 'http://127.0.0.1:3002/mcp', description: 'Validated as at registration and discovered again; changed tools go back to review.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;
}
