import { Module } from '@nestjs/common';
import { UpstreamPool } from './upstream-pool';

@Module({ providers: [UpstreamPool], exports: [UpstreamPool] })
export class UpstreamModule {}
