import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_GRACE_SECONDS = 86_400;

export class RotateAgentKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_GRACE_SECONDS, default: 0, description: 'How long the earlier key keeps working; 0 = it stops at once.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  graceSeconds?: number;
}
