import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateOrganisationDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[\w .:@-]+$/, { message: 'name may hold letters, digits, space and _ . : @ -' })
  name!: string;
}

export class SuspendOrganisationDto {
  @ApiPropertyOptional({ example: 'unpaid invoice' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
