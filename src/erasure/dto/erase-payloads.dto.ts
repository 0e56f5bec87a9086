import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, IsUUID, Length, ValidateIf } from 'class-validator';

export class ErasePayloadsDto {
  @ApiProperty({ type: [String], required: false, description: 'Ids of the events whose payloads (encrypted content) are erased; the events stay. Either this or query.' })
  @ValidateIf((o: ErasePayloadsDto) => o.query === undefined || o.eventIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @IsUUID('all', { each: true, message: 'eventIds must be event ids (UUIDs)' })
  eventIds?: string[];

  @ApiProperty({ required: false, description: 'A full-text query (the forensic index\u2019s syntax): every payload whose text matches is erased, and named in the event. Either this or eventIds.' })
  @ValidateIf((o: ErasePayloadsDto) => o.query !== undefined)
  @IsString()
  @Length(1, 1000)
  query?: string;

  @ApiProperty({ example: 'GDPR art. 17 request #4711' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}
