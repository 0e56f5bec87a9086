import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { IsAgentLabels } from './agent-labels.validator';
import { AGENT_NAME, AGENT_NAME_MESSAGE } from './register-agent.dto';

/** PATCH: only the fields present change; `labels` replaces the whole map; `servers: null` = every server. */
export class UpdateAgentDto {
  @ApiPropertyOptional({ example: 'billing-assistant' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(AGENT_NAME, { message: AGENT_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'billing' }, description: 'Replaces all labels.' })
  @IsOptional()
  @IsAgentLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Server ids this agent may use; null = every server of the organisation.' })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  servers?: string[] | null;
}
