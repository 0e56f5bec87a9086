import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

/** What an agent asks for itself: a server it may use and some of that server's tools. */
export class IssueOwnTokenDto {
  @ApiProperty({ description: 'The one server the token is for (its id).' })
  @IsUUID('all', { message: 'serverId must be a server id' })
  serverId!: string;

  @ApiProperty({ type: [String], description: "The server's tools (their upstream names) the token allows, and only those." })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  tools!: string[];

  @ApiPropertyOptional({ description: 'Lifetime in seconds; default 900 (15 min), at most WARDEN_TOKEN_MAX_TTL_SECONDS.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  ttlSeconds?: number;
}

/** What an operator asks for an agent of the organisation. */
export class IssueTokenDto extends IssueOwnTokenDto {
  @ApiProperty({ description: 'The agent the token is for (its id).' })
  @IsUUID('all', { message: 'agentId must be an agent id' })
  agentId!: string;
}
