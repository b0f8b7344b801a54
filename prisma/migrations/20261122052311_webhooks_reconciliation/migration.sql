-- Inbound webhooks and reconciliation (docs/sync-engine.md, "Webhooks" and "Reconciliation").
-- No foreign key to sync_transaction: this migration does not depend on the sync engine's,
-- and a delivery row outlives nothing it points at (transaction rows are never deleted).

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "system" "source_system" NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,
    "transaction_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("system","delivery_id")
);

-- CreateTable
CREATE TABLE "reconciliation_run" (
    "id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "findings" JSONB NOT NULL DEFAULT '[]',
    "submitted" JSONB NOT NULL DEFAULT '[]',
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "reconciliation_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_delivery_transaction_id_idx" ON "webhook_delivery"("transaction_id");

-- CreateIndex
CREATE INDEX "reconciliation_run_started_at_idx" ON "reconciliation_run"("started_at");
