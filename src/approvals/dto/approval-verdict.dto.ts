import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class ApprovalVerdictDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Why; recorded in the StepUpApproved / StepUpDenied event.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}
