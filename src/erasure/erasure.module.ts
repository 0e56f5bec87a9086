import { Module } from '@nestjs/common';
import { ForensicsModule } from '../forensics/forensics.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ErasePayloadsHandler } from './commands/erase-payloads.handler';
import { ErasuresController } from './erasures.controller';

/** Erasure of payloads (encrypted content) on an admin's request: signed evidence first, then the erasure. */
@Module({
  imports: [TenancyModule, ForensicsModule],
  controllers: [ErasuresController],
  providers: [ErasePayloadsHandler],
})
export class ErasureModule {}
