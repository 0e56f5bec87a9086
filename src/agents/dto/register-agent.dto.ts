import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsAgentLabels } from './agent-labels.validator';

export const AGENT_NAME = /^[\w .:@-]+$/;
export const AGENT_NAME_MESSAGE = 'name may hold letters, digits, space and _ . : @ -';

export class RegisterAgentDto {
  @ApiProperty({ example: 'billing-assistant' })
  @IsString()
  @Length(1, 100)
  @Matches(AGENT_NAME, { message: AGENT_NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({ type: [String], description: 'Server ids this agent may use; omitted = every server of the organisation.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  servers?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'billing' }, description: 'Labels for policies (agent.labels.team).' })
  @IsOptional()
  @IsAgentLabels()
  labels?: Record<string, string>;
}
