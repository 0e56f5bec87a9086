import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, IsUUID, Length } from 'class-validator';

export class ErasePayloadsDto {
  @ApiProperty({ type: [String], description: 'Ids of the events whose payloads (encrypted content) are erased; the events stay.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @IsUUID('all', { each: true, message: 'eventIds must be event ids (UUIDs)' })
  eventIds!: string[];

  @ApiProperty({ example: 'GDPR art. 17 request #4711' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}
