import { Module } from '@nestjs/common';
import { AnchorModule } from '../anchor/anchor.module';
import { ExportBundleService } from './export-bundle.service';
import { ExportsController } from './exports.controller';

/** Exports of an organisation's ledger as a verifiable bundle (issue 17). */
@Module({
  imports: [AnchorModule],
  controllers: [ExportsController],
  providers: [ExportBundleService],
})
export class ExportModule {}
