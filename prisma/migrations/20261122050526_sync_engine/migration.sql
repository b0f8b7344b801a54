-- Sync engine (docs/sync-engine.md "Tables"): tracked cross-system transactions,
-- their steps, the outbox the workers claim, the audit trail of source-system
-- calls, the circuit state per system, and the domain event stream.
-- Mirrors the models SyncTransaction, SyncStep, SyncOutbox, SyncCall, SyncCircuit
-- and DomainEvent in prisma/schema.prisma exactly.

-- CreateTable
CREATE TABLE "sync_transaction" (
    "id" TEXT NOT NULL,
    "workflow" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "input_hash" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "subject" JSONB NOT NULL DEFAULT '{}',
    "error_code" TEXT,
    "error_message" TEXT,
    "remediation" TEXT,
    "trace_id" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "sync_transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_step" (
    "transaction_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "system" "source_system" NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "sync_step_pkey" PRIMARY KEY ("transaction_id", "position")
);

-- CreateTable
CREATE TABLE "sync_outbox" (
    "id" BIGSERIAL NOT NULL,
    "transaction_id" TEXT NOT NULL,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "sync_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_call" (
    "id" BIGSERIAL NOT NULL,
    "transaction_id" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "system" "source_system" NOT NULL,
    "operation" TEXT NOT NULL,
    "request" JSONB,
    "response" JSONB,
    "outcome" TEXT NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_circuit" (
    "system" "source_system" NOT NULL,
    "state" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_circuit_pkey" PRIMARY KEY ("system")
);

-- CreateTable
CREATE TABLE "domain_event" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "trace_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sync_transaction_idempotency_key_key" ON "sync_transaction"("idempotency_key");

-- CreateIndex
CREATE INDEX "sync_transaction_created_at_id_idx" ON "sync_transaction"("created_at", "id");

-- CreateIndex
CREATE INDEX "sync_transaction_status_created_at_idx" ON "sync_transaction"("status", "created_at");

-- CreateIndex
CREATE INDEX "sync_transaction_workflow_created_at_idx" ON "sync_transaction"("workflow", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "sync_outbox_transaction_id_key" ON "sync_outbox"("transaction_id");

-- CreateIndex
CREATE INDEX "sync_outbox_available_at_idx" ON "sync_outbox"("available_at");

-- CreateIndex
CREATE INDEX "sync_call_system_at_idx" ON "sync_call"("system", "at");

-- CreateIndex
CREATE INDEX "sync_call_transaction_id_idx" ON "sync_call"("transaction_id");

-- CreateIndex
CREATE INDEX "domain_event_key_idx" ON "domain_event"("key");

-- AddForeignKey
ALTER TABLE "sync_step" ADD CONSTRAINT "sync_step_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "sync_transaction"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_outbox" ADD CONSTRAINT "sync_outbox_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "sync_transaction"("id") ON DELETE CASCADE ON UPDATE CASCADE;
