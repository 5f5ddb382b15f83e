// Prometheus metrics (prom-client): appends accepted or refused by code, sequencer group sizes,
// how long each fdatasync of the WAL took, time from integration to checkpoint, tree size, page
// views, request latencies, rate-limit refusals. Labels never carry client data; routes are
// labelled by their pattern.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerObserver } from '../ledger/ledger.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly appends = new Counter({ name: 'lotproof_appends_total', help: 'Submissions by outcome (accepted, or the refusal code).', labelNames: ['outcome'], registers: [this.registry] });
  readonly groupSize = new Histogram({
    name: 'lotproof_sequencer_group_size',
    help: 'Statements committed per sequencer transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  readonly syncDuration = new Histogram({
    name: 'lotproof_store_sync_seconds',
    help: 'Time from asking for an fdatasync of the write-ahead log until it was seen done (the thread pool\'s queue included); every acknowledged entry waited for one.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly checkpointDelay = new Histogram({
    name: 'lotproof_checkpoint_delay_seconds',
    help: 'Time from the first entry waiting for a checkpoint until the checkpoint covering it was signed.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly treeSize = new Gauge({ name: 'lotproof_tree_size', help: 'Leaves in the signed tree (latest checkpoint).', registers: [this.registry] });
  readonly pageViews = new Counter({ name: 'lotproof_page_views_total', help: 'Verification page and batch view requests.', labelNames: ['format'], registers: [this.registry] });
  readonly requestDuration = new Histogram({
    name: 'lotproof_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: 'lotproof_rate_limited_total', help: 'Requests refused by a rate limit.', labelNames: ['kind'], registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lotproof_process_' });
  }

  /** The hooks the ledger calls; see LedgerObserver. */
  readonly ledgerObserver: LedgerObserver = {
    committed: (group, accepted) => {
      this.groupSize.observe(group);
      this.appends.inc({ outcome: 'accepted' }, accepted);
    },
    synced: (seconds) => this.syncDuration.observe(seconds),
    checkpointed: (size, delayMs) => {
      this.treeSize.set(size);
      if (delayMs !== undefined) this.checkpointDelay.observe(delayMs / 1000);
    },
  };
}
