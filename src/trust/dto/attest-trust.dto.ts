import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class AttestTrustDto {
  @ApiProperty({ minimum: 0, maximum: 100, description: 'The base the agent’s trust score starts from again.' })
  @IsInt()
  @Min(0)
  @Max(100)
  score!: number;

  @ApiProperty({ minLength: 1, maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}
