import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';

export class RegisterAgentDto {
  @ApiProperty({ example: 'billing-assistant' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[\w .:@-]+$/, { message: 'name may hold letters, digits, space and _ . : @ -' })
  name!: string;

  @ApiPropertyOptional({ type: [String], description: 'Server ids this agent may use; omitted = every server of the organisation.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  servers?: string[];
}
