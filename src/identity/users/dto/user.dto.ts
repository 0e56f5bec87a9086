import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { ROLES, type Role } from '../../principal';

class ExpectsRevision {
  @ApiPropertyOptional({ description: 'The revision you last read: the change is refused (409 CONFLICT.STALE_REVISION) if the user changed since.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  expectedRevision?: number;
}

class RolesField {
  @ApiProperty({ enum: ROLES, isArray: true, example: ['operator'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}

export class CreateUserDto extends RolesField {
  @ApiProperty({ example: 'alice@example.com' })
  @IsString()
  @Length(1, 200)
  @Matches(/^[\w .:@+-]+$/, { message: 'name may hold letters, digits, space and _ . : @ + -' })
  name!: string;

  @ApiPropertyOptional({ description: 'When the key stops working (RFC 3339, in the future).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ChangeRolesDto extends RolesField {
  @ApiPropertyOptional({ description: 'The revision you last read: the change is refused (409 CONFLICT.STALE_REVISION) if the user changed since.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  expectedRevision?: number;
}

export class RotateUserKeyDto extends ExpectsRevision {
  @ApiPropertyOptional({ description: 'When the new key stops working (RFC 3339, in the future).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class RevokeUserDto extends ExpectsRevision {}
