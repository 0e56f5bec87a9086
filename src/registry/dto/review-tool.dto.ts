import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { RISK_CLASSES, type RiskClass } from '../registry.events';

export class ClassifyToolDto {
  @ApiProperty({ enum: RISK_CLASSES })
  @IsIn(RISK_CLASSES as RiskClass[])
  riskClass!: RiskClass;
}

export class ApproveToolDto {
  @ApiPropertyOptional({ enum: RISK_CLASSES, description: 'Classify in the same step; required if the tool is not classified yet.' })
  @IsOptional()
  @IsIn(RISK_CLASSES as RiskClass[])
  riskClass?: RiskClass;
}
